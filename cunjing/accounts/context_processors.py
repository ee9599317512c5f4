"""Template context: the navigation entries the signed-in user may open."""

from __future__ import annotations

from cunjing.core.roles import Capability, has_capability


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can": {}}
    return {"can": {cap.value: has_capability(user, cap) for cap in (*Capability, *Capability)}}
