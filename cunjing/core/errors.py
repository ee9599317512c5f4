"""Turning validation errors into field-level messages for pages and the API, and the message of
a request too large to read."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """``{"field": ["message", ...]}``; errors not tied to a field go under ``"__all__"``."""
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD_ERRORS if key == NON_FIELD_ERRORS else key): [str(m) for m in msgs]
            for key, msgs in exc.message_dict.items()
        }
    return {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}


def too_large_message() -> str:
    """Why a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused (413): the same words on
    the pages, the API and Open311."""
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return _("The request is larger than the %(size)s MB allowed.") % {"size": f"{megabytes:g}"}
