"""The first security admin (安全管理员) of a bureau, made by whoever runs the server: it
prints a one-time password, to be changed at the first sign-in; from then on the security
admin creates every other account (including the system and audit admins)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cunjing.accounts import services
from cunjing.core.roles import SYSTEM, Role
from cunjing.org.models import Bureau
from cunjing.org.services import bureau_root_unit


class Command(BaseCommand):
    help = "Create a bureau's security admin with a one-time password."

    def add_arguments(self, parser):
        parser.add_argument("--bureau", required=True, help="The bureau's county code (6 digits).")
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", default="")

    def handle(self, *args, **options):
        try:
            bureau = Bureau.objects.get(code=options["bureau"])
        except Bureau.DoesNotExist:
            message = _("No bureau has the code %(code)s.") % {"code": options["bureau"]}
            raise CommandError(message) from None
        try:
            account, password = services.account_create(
                actor=SYSTEM,
                username=options["username"],
                role=Role.SECADMIN,
                unit=bureau_root_unit(bureau),
                full_name=options["full_name"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        self.stdout.write(
            _("Security admin %(username)s created. One-time password (shown once): %(password)s")
            % {"username": account.username, "password": password}
        )
