"""5xx found by the Unicode-heavy schemathesis run over the API (tests/api/test_fuzz.py), each
pinned by the request that found it."""

from __future__ import annotations

from tests.api import api_as


def test_patching_an_accounts_name_to_null_is_422_not_500(county):
    """``{"full_name": null}`` reached the service, whose pinyin of None raised TypeError."""
    account = county.user("sibling")
    before = (account.full_name, account.pinyin)
    response = api_as(county.user("secadmin"), lang="en").patch(
        f"/api/accounts/{account.pk}", {"full_name": None}
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {"full_name": ["Enter text."]}
    account.refresh_from_db()
    assert (account.full_name, account.pinyin) == before
