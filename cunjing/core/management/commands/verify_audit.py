"""Check the audit trail: every row's HMAC and every link of each bureau's chain.

A row changed outside the application fails its own HMAC; a row deleted, inserted or moved breaks
the link to its predecessor. The first broken link of each bureau is reported.
"""

from django.core.management.base import BaseCommand, CommandError

from cunjing.core import audit
from cunjing.core.models import AuditEvent

_REASONS = {
    "altered": "its content or HMAC was changed",
    "link": "the row before it is missing, was added, or the order was changed",
}


class Command(BaseCommand):
    help = "Verify the audit trail's HMAC chain; exit non-zero at a broken link."

    def add_arguments(self, parser):
        parser.add_argument("--bureau", type=int, help="only this bureau id")

    def handle(self, *args, **options):
        qs = AuditEvent.objects.all()
        if options["bureau"]:
            qs = qs.filter(bureau_id=options["bureau"])
        total = qs.count()
        report = audit.verify_chain(
            qs, progress=lambda n: self.stderr.write(f"  {n:,}/{total:,} checked")
        )
        if report.breaks:
            lines = []
            for b in report.breaks:
                after = f" (after #{b.previous_id})" if b.previous_id else " (first of the bureau)"
                lines.append(
                    f"bureau {b.bureau_id}: first broken link at audit event #{b.event_id}"
                    f"{after}: {_REASONS[b.reason]}"
                )
            raise CommandError(
                f"audit chain broken in {len(report.breaks)} bureau(s) of {total:,} events:\n"
                + "\n".join(lines)
            )
        self.stdout.write(f"{report.checked:,} audit events verified, every chain link holds")
