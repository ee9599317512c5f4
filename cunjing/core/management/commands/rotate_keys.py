"""``manage.py rotate_keys``: re-encrypt the personal data at rest under the current key.

Rotation: generate a new key, put it first in ``FIELD_ENCRYPTION_KEYS`` (or the key file) with
the old one after it, restart, run this command; once it reports nothing left under an old key,
remove the old key. Every model holding an encrypted field (``core.fields``, found through the
model registry: ``core`` imports no app) is read in batches by primary key; the rows of a batch
whose ciphertext is under another key than the current one are locked, read (decrypted under
their key) and written back (encrypted under the current key), each batch in its own
transaction. Rows already under the current key are skipped, so an interrupted run is resumed
by running it again. The blind indexes do not change (their key does not rotate).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F
from django.utils.translation import gettext as _

from cunjing.core import crypto
from cunjing.core.fields import encrypted_fields

DEFAULT_BATCH_SIZE = 1000


@dataclass
class Rotated:
    """What one model's pass did: rows read, rows re-encrypted (or that would be)."""

    read: int = 0
    rewritten: int = 0


def models_with_encrypted_fields() -> list[type[models.Model]]:
    found = [
        model
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed and encrypted_fields(model)
    ]
    return sorted(found, key=lambda model: model._meta.label_lower)


def _write_batch(model: type[models.Model], names: list[str], pks: list) -> int:
    """Re-encrypt the rows ``pks`` under the current key, in one transaction."""
    with transaction.atomic():
        rows = list(model._base_manager.select_for_update().filter(pk__in=pks).only("pk", *names))
        model._base_manager.bulk_update(rows, names)
    return len(rows)


def rotate(
    model: type[models.Model],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[Rotated, object], None] | None = None,
) -> Rotated:
    """Re-encrypt every row of ``model`` with a value under another key than the current one."""
    names = [field.name for field in encrypted_fields(model)]
    current = crypto.keyring().current
    raw = {f"_stored_{name}": ExpressionWrapper(F(name), models.TextField()) for name in names}
    done = Rotated()
    last = None
    while True:
        qs = model._base_manager.order_by("pk")
        if last is not None:
            qs = qs.filter(pk__gt=last)
        rows = list(qs.annotate(**raw).values_list("pk", *raw)[:batch_size])
        if not rows:
            return done
        stale = [
            pk
            for pk, *stored in rows
            if any(value and crypto.key_id_of(value) != current for value in stored)
        ]
        done.read += len(rows)
        if stale:
            done.rewritten += len(stale) if dry_run else _write_batch(model, names, stale)
        last = rows[-1][0]
        if progress is not None:
            progress(done, last)


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored ID numbers and phones (every encrypted field) under the current "
        "key, in batches, each in its own transaction; resumable: run it again after an "
        "interruption."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"rows read per batch (default {DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be re-encrypted, write nothing"
        )

    def handle(self, *args, batch_size: int, dry_run: bool, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        ring = crypto.keyring()
        self.stdout.write(
            _("Current key: %(current)s; keys that decrypt: %(ids)s")
            % {"current": ring.current, "ids": ", ".join(ring.ids)}
        )
        total = 0
        for model in models_with_encrypted_fields():
            label = model._meta.label_lower

            def report(done: Rotated, last, label=label) -> None:
                self.stdout.write(
                    _("  %(model)s: %(read)s read, %(rewritten)s re-encrypted (up to id %(last)s)")
                    % {"model": label, "read": done.read, "rewritten": done.rewritten, "last": last}
                )

            try:
                done = rotate(model, batch_size=batch_size, dry_run=dry_run, progress=report)
            except crypto.DecryptionError as exc:
                raise CommandError(
                    _("%(model)s: a stored value does not decrypt (%(error)s); nothing more done.")
                    % {"model": label, "error": exc}
                ) from exc
            total += done.rewritten
            self.stdout.write(
                _("%(model)s: %(rewritten)s of %(read)s rows re-encrypted under %(current)s.")
                % {
                    "model": label,
                    "rewritten": done.rewritten,
                    "read": done.read,
                    "current": ring.current,
                }
            )
        if dry_run:
            self.stdout.write(
                _("Dry run: %(total)s rows would be re-encrypted; nothing was written.")
                % {"total": total}
            )
        else:
            self.stdout.write(
                _("Done: %(total)s rows re-encrypted; every value is under %(current)s.")
                % {"total": total, "current": ring.current}
            )
