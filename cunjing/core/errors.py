"""Turning validation errors into field-level messages for pages and the API."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """``{"field": ["message", ...]}``; errors not tied to a field go under ``"__all__"``."""
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD_ERRORS if key == NON_FIELD_ERRORS else key): [str(m) for m in msgs]
            for key, msgs in exc.message_dict.items()
        }
    return {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}
