"""``manage.py dispute_kinds``: give every bureau the default kinds of dispute it does not have
yet (the demo and a new county run it once; running it again adds nothing)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cunjing.core import context
from cunjing.core.roles import SYSTEM
from cunjing.disputes import services
from cunjing.org.models import Bureau


class Command(BaseCommand):
    help = "Create the default kinds of dispute for every bureau (idempotent)."

    def handle(self, *args, **options) -> None:
        created = 0
        with context.bind(context.RequestContext(channel="command")):
            for bureau in Bureau.objects.order_by("pk"):
                created += services.dispute_kinds_ensure_defaults(actor=SYSTEM, bureau=bureau)
        self.stdout.write(_("Default kinds of dispute created: %(n)d") % {"n": created})
