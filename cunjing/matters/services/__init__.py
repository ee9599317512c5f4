"""Writes of matters (a package from now on: the next commit splits ``transitions`` by concern)."""

from cunjing.matters.services.transitions import *  # noqa: F403
