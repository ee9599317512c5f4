"""The sign-in backend: Django's, loading the account with what every request reads of it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's model backend; the user of every request comes with their unit, officer and
    aide in the same query, which the jurisdiction rule reads on each request."""

    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("unit", "officer", "aide")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
