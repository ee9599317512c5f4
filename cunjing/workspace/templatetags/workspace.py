"""``{% load workspace %}``: whether the signed-in user has the phone workspace (no query)."""

from __future__ import annotations

from django import template

from cunjing.workspace.kinds import kinds_for

register = template.Library()


@register.filter
def has_workspace(user) -> bool:
    """True for those who record field work: beat officers, aides, office and station leaders."""
    return bool(getattr(user, "is_authenticated", False) and kinds_for(user))
