"""Check every audit event's HMAC: a row changed outside the application shows up here."""

from django.core.management.base import BaseCommand, CommandError

from cunjing.core import audit
from cunjing.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the HMAC of every audit event; exit non-zero if any row was tampered with."

    def add_arguments(self, parser):
        parser.add_argument("--bureau", type=int, help="only this bureau id")

    def handle(self, *args, **options):
        qs = AuditEvent.objects.order_by("id")
        if options["bureau"]:
            qs = qs.filter(bureau_id=options["bureau"])
        total = qs.count()
        bad: list[int] = []
        for n, event in enumerate(qs.iterator(chunk_size=2000), start=1):
            if not audit.verify(event):
                bad.append(event.pk)
            if n % 50000 == 0:
                self.stderr.write(f"  {n}/{total} checked")
        if bad:
            shown = ", ".join(map(str, bad[:20]))
            raise CommandError(f"{len(bad)} of {total} audit events fail verification: {shown}")
        self.stdout.write(f"{total} audit events verified")
