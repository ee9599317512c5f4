"""Without any bureau the portal answers 404 (a module of its own: no test county here)."""

from __future__ import annotations

from cunjing.org.models import Bureau


def test_no_bureau_is_404(client, db, settings):
    settings.PORTAL_BUREAU = ""
    assert not Bureau.objects.exists()
    assert client.get("/portal/").status_code == 404
    assert client.post("/portal/track/", {"code": "X"}).status_code == 404
