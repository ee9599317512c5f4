"""Which bureau the public portal serves: the rule of the public side,
:func:`org.selectors.public_bureau` (Open311 follows it too), applied to the portal's setting.

``settings.PORTAL_BUREAU`` (the bureau's county code, env ``CUNJING_PORTAL_BUREAU``) when set;
otherwise the only bureau, when there is exactly one. Anything else — an unknown code, no bureau,
several bureaus and no setting — is a misconfiguration: the portal answers 404 and says why in
the log, once per request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404

from cunjing.org.models import Bureau
from cunjing.org.selectors import public_bureau

log = logging.getLogger(__name__)


def portal_bureau() -> Bureau:
    """The bureau the portal serves (:func:`org.selectors.public_bureau` of the setting), else
    :class:`Http404` with a log line saying why."""
    code = (getattr(settings, "PORTAL_BUREAU", "") or "").strip()
    try:
        return public_bureau(code)
    except Bureau.DoesNotExist:
        if code:
            log.error("portal: PORTAL_BUREAU=%r names no bureau; the portal answers 404", code)
        else:
            _log_unset("no")
    except Bureau.MultipleObjectsReturned:
        _log_unset("several")
    raise Http404


def _log_unset(how_many: str) -> None:
    log.error(
        "portal: PORTAL_BUREAU (env CUNJING_PORTAL_BUREAU) is not set and there are %s "
        "bureaus; the portal answers 404",
        how_many,
    )
