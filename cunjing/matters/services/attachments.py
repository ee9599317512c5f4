"""Attachments of matters: a photo or a PDF, its type read from its first bytes (never from its
name), at most 5 MB and 10 per matter."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import RESIDENT, Capability, acting_user, has_capability
from cunjing.core.writes import refuse
from cunjing.matters.models import Matter, MatterAttachment, State

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENTS_PER_MATTER = 10
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


_ATTACHMENT_FIELDS = ["bureau", "matter", "content_type", "size", "original_name", "uploaded_by"]


def sniff_content_type(head: bytes) -> str | None:
    """The type of a file from its first bytes (never from its name): JPEG, PNG, PDF or None."""
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


@transaction.atomic
def attachment_add(*, actor, matter: Matter, upload) -> MatterAttachment:
    """Attach a photo or a PDF (≤ 5 MB, type checked by content) to a matter. Staff who may
    report or handle matters, or ``RESIDENT`` for the reporter through the portal."""
    if actor is not RESIDENT and not (
        has_capability(actor, Capability.REPORT_MATTERS)
        or has_capability(actor, Capability.HANDLE_MATTERS)
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    if matter.state in (State.CLOSED, State.MERGED):
        raise refuse("file", _("Nothing can be attached to a closed or merged matter."))
    if matter.attachments.count() >= ATTACHMENTS_PER_MATTER:
        raise refuse("file", _("A matter has at most 10 attachments."))
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise refuse("file", _("The file is empty."))
    if size > ATTACHMENT_MAX_BYTES:
        raise refuse("file", _("The file is larger than 5 MB."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise refuse("file", _("Only JPEG, PNG and PDF files can be attached."))
    attachment = MatterAttachment(
        bureau_id=matter.bureau_id,
        matter=matter,
        content_type=content_type,
        size=size,
        original_name=str(getattr(upload, "name", "") or "")[:200],
        uploaded_by=acting_user(actor),
    )
    attachment.file.save("upload", upload, save=False)
    attachment.full_clean()
    attachment.save()
    audit.record(
        actor=actor,
        action="matter.attachment.create",
        instance=attachment,
        after={**audit.snapshot(attachment, _ATTACHMENT_FIELDS), "file": attachment.file.name},
    )
    return attachment
