"""Which bureau the public portal serves: one function, one rule.

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

log = logging.getLogger(__name__)


def portal_bureau() -> Bureau:
    """The bureau the portal serves, else :class:`Http404` (with a log line saying why)."""
    code = (getattr(settings, "PORTAL_BUREAU", "") or "").strip()
    if code:
        bureau = Bureau.objects.filter(code=code).first()
        if bureau is None:
            log.error("portal: PORTAL_BUREAU=%r names no bureau; the portal answers 404", code)
            raise Http404
        return bureau
    bureaus = list(Bureau.objects.order_by("pk")[:2])
    if len(bureaus) != 1:
        log.error(
            "portal: PORTAL_BUREAU (env CUNJING_PORTAL_BUREAU) is not set and there are %s "
            "bureaus; the portal answers 404",
            "no" if not bureaus else "several",
        )
        raise Http404
    return bureaus[0]
