"""Helpers for the API tests: bearer tokens for personas and a small JSON client."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django.utils import translation

from cunjing.accounts import services as account_services


def token_for(user) -> str:
    raw, _token = account_services.token_issue(user=user)
    return raw


class ApiClient:
    """Django's test client (full middleware: locale, axes, sessions) speaking JSON."""

    def __init__(self, token: str | None = None, lang: str | None = None, client=None):
        self.client = client or Client()
        self.token = token
        self.lang = lang

    def headers(self, extra: dict | None = None) -> dict:
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.lang:
            headers["Accept-Language"] = self.lang
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        params: dict | None = None,
        headers: dict | None = None,
    ):
        kwargs: dict[str, Any] = {"headers": self.headers(headers)}
        if method == "get":
            return self.client.get(path, params or {}, **kwargs)
        # No body means an empty one (not the test client's empty multipart form).
        kwargs["data"] = raw if raw is not None else b"" if body is None else json.dumps(body)
        kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path, params=None, **kw):
        return self.request("get", path, params=params, **kw)

    def post(self, path, body=None, **kw):
        return self.request("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("patch", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("put", path, body, **kw)


def api_as(user, lang: str | None = None) -> ApiClient:
    return ApiClient(token_for(user) if user is not None else None, lang=lang)


def zh(msgid: str, **params) -> str:
    """The zh-Hans translation of ``msgid``, checked to really be Chinese."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), f"untranslated: {msgid}"
    return text % params if params else text
