"""The two formats of GeoReport v2 (``.json`` and ``.xml``) and its error format.

JSON answers are what the spec shows (lists of objects). XML answers wrap the same values in the
spec's elements: ``<services><service>…``, ``<service_requests><request>…``,
``<service_definition>…``, ``<discovery>…``; empty values are empty elements. Errors are
``[{"code": 400, "description": "…"}]`` or ``<errors><error><code>…</code><description>…``,
one per problem (a field's problem is ``"field: message"``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

JSON, XML = "json", "xml"
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}

# The element name of one item of a list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "keywords": "keyword",
}


def w3c(value: dt.datetime | None) -> str | None:
    """A time in the spec's W3C format, in the bureau's time zone (2015-01-20T09:30:00+08:00)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


# Characters XML 1.0 cannot carry at all (control characters other than tab, LF, CR; lone
# surrogates; U+FFFE/U+FFFF): dropped from text, or the answer would not parse.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3c(value) or ""
    return XML_INVALID.sub("", str(value))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return w3c(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _element(name: str, value: Any) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_element(key, item))
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(name, "item")
        for item in value:
            element.append(_element(item_name, item))
    else:
        element.text = _text(value)
    return element


def to_xml(root: str, value: Any) -> bytes:
    return ET.tostring(_element(root, value), encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """``value`` as JSON, or as XML under the element ``root``."""
    if fmt == XML:
        body = to_xml(root, value)
    else:
        body = json.dumps(_jsonable(value), ensure_ascii=False).encode()
    return HttpResponse(
        body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES[JSON])
    )


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    items = [{"code": status, "description": d} for d in descriptions]
    return respond(fmt, "errors", items, status=status)
