"""Delete idempotency keys older than the retention period (phones replay within days)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunjing.core.models import IdempotencyKey

DEFAULT_DAYS = 30


class Command(BaseCommand):
    help = "Delete idempotency keys older than --days days (default 30); print how many."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help="keep keys this many days (≥ 1)"
        )

    def handle(self, *args, **options):
        days = options["days"]
        if days < 1:
            raise CommandError("--days must be at least 1")
        cutoff = timezone.now() - dt.timedelta(days=days)
        deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"{deleted} idempotency keys older than {days} days deleted")
