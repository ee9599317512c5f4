"""There is no superuser in cunjing: an account holds exactly one role, and the three admin
roles (system, security, audit) are kept apart (三权分立). Django's ``createsuperuser`` is
replaced by this refusal; the first security admin of a bureau is made with
``manage.py create_security_admin``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Refused: cunjing has no superuser (use create_security_admin)."

    def add_arguments(self, parser):
        # Accept and ignore Django's own options, so that no call of it gets further.
        parser.add_argument("args", nargs="*")
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--noinput", "--no-input", action="store_true")
        parser.add_argument("--database")

    def handle(self, *args, **options):
        raise CommandError(
            _(
                "cunjing has no superuser: every account holds one role, and the system, "
                "security and audit admins are kept apart. Create the bureau's first security "
                "admin with `manage.py create_security_admin`; it creates the other accounts."
            )
        )
