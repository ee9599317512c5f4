"""Hypothesis strategies shared by the property tests.

``odd_numbers`` are strings that look like numbers to ``str.isdigit()`` or ``\\d`` but are not
ASCII: superscripts (¹), circled (①), full-width (１２), other scripts' digits (٣), letter-like
numerals (Ⅻ), mathematical digits (𝟙) — mixed with ASCII digits and an ID number's X. Every
text strategy of the fuzz tests includes them, so the class of 500s of issue 13 (``int()`` of a
string ``isdigit()`` accepted) cannot come back unseen.

``unicode_heavy_schema`` loads an OpenAPI document into schemathesis with its free-text strings
drawn from ``unicode_heavy_text`` (those numbers, CJK, NUL and control characters, emoji, bidi and
combining marks) and its dates from ``hostile_dates``, through formats registered for the run.
"""

from __future__ import annotations

from hypothesis import strategies as st

_NUMBERISH = st.characters(whitelist_categories=("Nd", "No", "Nl"))
_ASCII_DIGITS = st.sampled_from("0123456789")

odd_numbers = st.text(
    alphabet=_NUMBERISH | _ASCII_DIGITS | st.sampled_from("Xx"), min_size=1, max_size=20
) | st.sampled_from(["¹", "①", "１２", "٣", "Ⅻ", "𝟙", "¹" * 17 + "X", "４１０４８１"])


def with_odd_numbers(strategy, weight: int = 1):
    """``strategy`` or, about one time in ``weight + 1``, an odd number."""
    return st.one_of(*([strategy] * weight), odd_numbers)


# --- Unicode-heavy strings for schemathesis -----------------------------------------------------
# What breaks code written with ASCII in mind: numbers of every script (Nd, No, Nl: "¹", "①",
# "٣", full-width "３"), CJK (the data's own language, and its full-width punctuation), NUL and
# other control characters (PostgreSQL refuses NUL), emoji and other astral characters (four
# UTF-8 bytes; MySQL's utf8 and naive length checks), combining marks, bidi and zero-width
# characters, and the lone surrogates' neighbours.
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
_CONTROL = st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028\u2029")
_ODD = st.sampled_from(
    "\u0301\u0336\u200b\u200d\u200e\u202e\u2066\ufeff\ufffd\uff01\uff0c\u3000·—《》"
    "ⅫⅣ𝟙𝟡١٢٣۴०१੩๓༣០᠓０１２３４５６７８９¹²³⁴½①②⑩⓪❶"
)
_ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_HOSTILE_CHARACTERS = st.one_of(_NUMBERISH, _CJK, _EMOJI, _CONTROL, _ODD, _ASCII)

unicode_heavy_text = st.one_of(
    st.text(alphabet=_HOSTILE_CHARACTERS, max_size=24),
    odd_numbers,
    # numbers and dates whose digits are partly not ASCII, as a pasted value can be
    st.tuples(st.integers(0, 99999), st.sampled_from("0１¹①٣Ⅻ𝟙"), st.integers(0, 99)).map(
        lambda t: f"{t[0]}{t[1]}{t[2]}"
    ),
    st.sampled_from(["２０１５-０１-２０", "2015-0１-20", "٢٠١٥-٠١-٢٠", "2015-01-20\x00", "\x00"]),
    st.text(alphabet=_CJK, min_size=1, max_size=8),
)

# Dates as a query or a body may carry them: any real day from year 1 to 9999, the day after the
# last and other impossible days, timestamps, and digits that are not ASCII.
hostile_dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "00000000000",
            "0000-01-01",
            "0001-01-01",
            "9999-12-31",
            "10000-01-01",
            "2026-02-30",
            "2015-1-20",
            "20150120",
            "1700000000000",
            "２０１５-０１-２０",
            "2015-01-20T00:00:00",
        ]
    ),
    unicode_heavy_text,
)

UNICODE_FORMAT = "x-cunjing-unicode"
DATE_FORMAT = "x-cunjing-date"
_SKIPPED_KEYWORDS = frozenset({"format", "pattern", "enum", "const", "$ref", "contentEncoding"})


def register_unicode_formats() -> None:
    """Register the two formats with schemathesis (``schemathesis.openapi.format``): a schema
    carries them only after :func:`unicode_heavy`, so other runs are not affected."""
    import schemathesis

    schemathesis.openapi.format(UNICODE_FORMAT, unicode_heavy_text)
    schemathesis.openapi.format(DATE_FORMAT, hostile_dates)


def unicode_heavy(document: dict) -> dict:
    """A copy of an OpenAPI document in which every free-text string (``type: string`` with no
    format, pattern, enum or const) draws from :data:`unicode_heavy_text`, and every
    ``format: date`` from :data:`hostile_dates` — in path and query parameters and in bodies;
    header and cookie parameters keep what HTTP can carry."""
    import copy

    document = copy.deepcopy(document)

    def mark(node):
        if isinstance(node, list):
            for item in node:
                mark(item)
            return
        if not isinstance(node, dict):
            return
        if node.get("type") == "string":
            if node.get("format") == "date":
                node["format"] = DATE_FORMAT
            elif not _SKIPPED_KEYWORDS & node.keys():
                node["format"] = UNICODE_FORMAT
        for key, value in node.items():
            if key == "parameters" and isinstance(value, list):
                for parameter in value:
                    if isinstance(parameter, dict) and parameter.get("in") in ("path", "query"):
                        mark(parameter)
            elif key != "example" and key != "examples" and key != "default":
                mark(value)

    mark(document)
    return document


def unicode_heavy_schema(path: str, app):
    """The OpenAPI document served at ``path`` by the WSGI ``app``, loaded into schemathesis
    with :func:`unicode_heavy` applied and its formats registered."""
    import schemathesis

    register_unicode_formats()
    served = schemathesis.openapi.from_wsgi(path, app)
    schema = schemathesis.openapi.from_dict(unicode_heavy(served.raw_schema))
    schema.app = app
    schema.location = path
    return schema
