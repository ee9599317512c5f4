"""``manage.py open311_key NAME [--bureau CODE]``: issue an Open311 API key to a new client and
print it (its only showing; the database keeps its hash). Audited as the system."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cunjing.core import context
from cunjing.core.roles import SYSTEM
from cunjing.open311 import services
from cunjing.org.models import Bureau


class Command(BaseCommand):
    help = "Issue an Open311 API key to a new client and print it."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client's name, e.g. the app that will use the key")
        parser.add_argument("--bureau", help="the bureau's county code (needed if several)")

    def handle(self, *args, name: str, bureau: str | None = None, **options):
        if bureau:
            found = Bureau.objects.filter(code=bureau).first()
            if found is None:
                raise CommandError(f"no bureau with code {bureau}")
        else:
            bureaus = list(Bureau.objects.order_by("code")[:2])
            if not bureaus:
                raise CommandError("no bureau yet: build one first (manage.py demo or import_org)")
            if len(bureaus) > 1:
                codes = ", ".join(Bureau.objects.order_by("code").values_list("code", flat=True))
                raise CommandError(f"several bureaus ({codes}): choose one with --bureau CODE")
            found = bureaus[0]
        try:
            with context.bind(context.RequestContext(channel="command")):
                client, key = services.client_create(actor=SYSTEM, bureau=found, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stderr.write(f"{client.name} ({found.code}): key {client.key_prefix}… issued")
        self.stdout.write(key)
