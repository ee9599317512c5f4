"""What every API router shares: session authentication, the error shape and its handlers,
capability checks, the page parameters, and input field types that cannot reach the database
malformed.

``core`` imports no app: the bearer-token class lives with the tokens in ``accounts.api`` and the
assembly (``cunjing/api.py``) puts the two side by side.

Error shape (every non-2xx answer is JSON, never an HTML page)::

    400, 401, 403, 404, 405, 409, 413, 415, 429, 500
                             {"detail": "<message in the user's language>"}
    422                      {"detail": "<summary>", "errors": {"<field>": ["<message>", ...]}}

A 422 comes from request validation (pydantic, before the view runs) or from a service's
``ValidationError``; both use the same shape, keyed by field name (``__all__`` for errors not tied
to one field). A request body must be sent as ``application/json`` (415 otherwise; the multipart
upload endpoints read ``multipart/form-data`` instead) and be at most
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413). Answers made outside ninja's handlers — an unknown path
(404), a server error (500), a body too large read before the view — come from the URL conf's
error views (``cunjing/errors.py``) through :func:`error_response`, in the same shape; a method a
path does not take answers 405 through :class:`JsonAPI`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import AfterValidator, BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from cunjing.core import roles
from cunjing.core.errors import field_errors
from cunjing.core.validators import check_query_date, parse_query_date

# Largest id a bigint column holds: larger ids answer 422 instead of overflowing the driver.
MAX_ID = 2**63 - 1
MAX_OFFSET = 1_000_000
PAGE_DEFAULT = 100
PAGE_MAX = 500


# --- Schemas ---------------------------------------------------------------------------------


class InputSchema(Schema):
    """Base of request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in the user's language.")


class ValidationErrorOut(Schema):
    detail: str = Field(description="A summary, in the user's language.")
    errors: dict[str, list[str]] = Field(
        description="Messages per field; `__all__` holds those not tied to one field."
    )


ERRORS_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
ERRORS_WRITE = {**ERRORS_READ, 409: ErrorOut}


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL characters and lone surrogates cannot be encoded: refuse both here
    # so they come back as a field error rather than a database exception.
    if "\x00" in value:
        raise PydanticCustomError("null_character", "Null characters are not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("invalid_text", "Invalid characters.") from None
    return value


# A string that the database will accept; combine with ``Field(max_length=...)``.
Text = Annotated[str, AfterValidator(_clean_text)]
# For query-string filters: ``?kind=`` (an empty form field) means "no filter", not an error.
EmptyAsNone = BeforeValidator(lambda value: None if value == "" else value)
# A primary key in a path or query string: positive and within a bigint.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# The same in a JSON body, where it must be a JSON integer (not "5", 5.0 or true).
BodyId = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]


def _query_date(value: Any) -> Any:
    # ``YYYY-MM-DD`` in ASCII digits within the accepted range (``core.validators``): pydantic
    # alone takes "00000000000" for the Unix epoch and any year from 1 to 9999.
    try:
        if isinstance(value, str):
            return parse_query_date(value)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return check_query_date(value)
    except DjangoValidationError as exc:
        if exc.code == "date_out_of_range":
            raise PydanticCustomError(
                "date_out_of_range", "Enter a date from {min} to {max}.", exc.params
            ) from None
        raise PydanticCustomError("date_parsing", "Enter a valid date.") from None
    return value  # anything else: pydantic's own date check refuses it


# A date in a query string (every ``from``/``to``, ``date_from``/``date_to`` of the API), documented
# with its length bound like every query string.
QueryDate = Annotated[
    dt.date,
    BeforeValidator(_query_date),
    WithJsonSchema({"type": "string", "format": "date", "maxLength": 10}),
]


class PageIn(Schema):
    """Limit/offset pagination: the organisation trees hold hundreds of rows per county, so a
    counted offset page is cheap and lets a client jump to any page
    (``core.pagination.offset_page``)."""

    limit: int = Field(
        PAGE_DEFAULT, ge=1, le=PAGE_MAX, description=f"Rows per page (1–{PAGE_MAX})."
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")


# --- Authentication and permission ---------------------------------------------------------------


class SessionAuth(APIKeyCookie):
    """The signed-in Django session, for the pages' own htmx/JS calls and the Swagger page.

    Unlike ninja's ``django_auth`` the CSRF check runs only when there *is* a session user, so an
    anonymous unsafe request answers 401 (not 403), and a bearer-token request (tried first)
    never needs a CSRF token.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        return user


session_auth = SessionAuth()


def require(request: HttpRequest, capability: str):
    """The authenticated user, if their role has ``capability``; else 403."""
    user = request.auth
    roles.require(user if user is not None else AnonymousUser(), capability)
    return user


# --- Request bodies, and answers made outside the exception handlers ------------------------------


class UnsupportedMediaType(HttpError):
    """A body sent as something other than JSON (text/plain, a form, no Content-Type)."""

    def __init__(self) -> None:
        super().__init__(415, "Unsupported Media Type")


class JsonParser(Parser):
    """Request bodies are JSON and must say so: a body whose Content-Type is not
    ``application/json`` answers 415 instead of being read as JSON whatever it claims to be.

    ninja calls the parser only for a non-empty body of an operation that takes one (an action
    without a payload ignores its body); the multipart upload endpoints (``File[...]``) read
    ``request.FILES`` and never reach it."""

    def parse_body(self, request: HttpRequest) -> Any:
        media_type = request.content_type
        # ``None``: not a client's request but ninja's stand-in for one part of a multipart form.
        if media_type is not None and media_type.lower() != "application/json":
            raise UnsupportedMediaType()
        return super().parse_body(request)


def error_response(status: int, detail: str) -> HttpResponse:
    """``{"detail": ...}`` as ninja's renderer writes it, for answers made outside the API's
    exception handlers (the URL conf's error views, the 405 of a path)."""
    return HttpResponse(
        json.dumps({"detail": detail}),
        status=status,
        content_type="application/json; charset=utf-8",
    )


class JsonAPI(NinjaAPI):
    """A ``NinjaAPI`` that reads only JSON bodies (:class:`JsonParser`) and whose 405 is JSON too:
    ninja's URL view answers a method the path does not take with a plain-text 405 before any
    exception handler runs; here that answer becomes the error shape, keeping its ``Allow``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parser", JsonParser())
        super().__init__(*args, **kwargs)

    @property
    def urls(self) -> tuple[list, str, str]:
        patterns, app_name, namespace = super().urls
        return [_json_not_allowed(p) for p in patterns], app_name, namespace


def _json_not_allowed(pattern: Any) -> Any:
    if not isinstance(pattern, URLPattern):
        return pattern
    view = pattern.callback

    @functools.wraps(view)  # keeps ``csrf_exempt`` (ninja checks CSRF itself, in SessionAuth)
    def json_405(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(405, _("This method is not allowed here."))
            response["Allow"] = allowed
        return response

    return URLPattern(pattern.pattern, json_405, pattern.default_args, pattern.name)


# --- Error messages ----------------------------------------------------------------------------


def _pydantic_messages() -> dict[str, Callable[[dict], str]]:
    """Pydantic error types → messages in the active language (built per call: gettext).

    Where Django already has the message (forms, validators) its msgid is reused, so the
    translation exists before the project's catalogue has it.
    """

    def c(err: dict, key: str) -> Any:
        value = (err.get("ctx") or {}).get(key)
        if isinstance(value, float) and value.is_integer():
            return int(value)  # "90", not "90.0"
        return value

    def too_long(e: dict) -> str:
        return _("Enter at most %(n)s characters.") % {"n": c(e, "max_length")}

    def too_short(e: dict) -> str:
        if c(e, "min_length") == 1:
            return _("This field cannot be blank.")
        return _("Enter at least %(n)s characters.") % {"n": c(e, "min_length")}

    required = _("This field is required.")
    whole = _("Enter a whole number.")
    number = _("Enter a number.")
    boolean = _("Enter true or false.")
    date = _("Enter a valid date.")
    datetime = _("Enter a valid date/time.")
    obj = _("Send a JSON object.")
    choice = _("Select a valid choice. That choice is not one of the available choices.")
    return {
        "missing": lambda e: required,
        "extra_forbidden": lambda e: _("This field is not allowed."),
        "json_invalid": lambda e: _("The request body is not valid JSON."),
        "json_type": lambda e: _("The request body is not valid JSON."),
        "model_type": lambda e: obj,
        "model_attributes_type": lambda e: obj,
        "dict_type": lambda e: obj,
        "int_parsing": lambda e: whole,
        "int_type": lambda e: whole,
        "int_from_float": lambda e: whole,
        "int_parsing_size": lambda e: whole,
        "float_parsing": lambda e: number,
        "float_type": lambda e: number,
        "finite_number": lambda e: number,
        "bool_parsing": lambda e: boolean,
        "bool_type": lambda e: boolean,
        "string_type": lambda e: _("Enter text."),
        "string_too_long": too_long,
        "too_long": too_long,  # the length check of ``Text`` (annotated) fields
        "string_too_short": too_short,
        "too_short": too_short,
        "null_character": lambda e: _("Null characters are not allowed."),
        "invalid_text": lambda e: _("The text contains invalid characters."),
        "string_unicode": lambda e: _("The text contains invalid characters."),
        "date_parsing": lambda e: date,
        "date_from_datetime_parsing": lambda e: date,
        "date_from_datetime_inexact": lambda e: date,
        "date_type": lambda e: date,
        "date_out_of_range": lambda e: (
            _("Enter a date from %(min)s to %(max)s.") % {"min": c(e, "min"), "max": c(e, "max")}
        ),
        "datetime_parsing": lambda e: datetime,
        "datetime_type": lambda e: datetime,
        "greater_than_equal": lambda e: (
            _("Ensure this value is greater than or equal to %(limit_value)s.")
            % {"limit_value": c(e, "ge")}
        ),
        "less_than_equal": lambda e: (
            _("Ensure this value is less than or equal to %(limit_value)s.")
            % {"limit_value": c(e, "le")}
        ),
        "enum": lambda e: choice,
        "literal_error": lambda e: choice,
        "list_type": lambda e: _("Send a list."),
    }


def _field_of(loc: Iterable[Any]) -> str:
    """The field an error belongs to: the last name in ``loc``; ``__all__`` for the body itself.

    ninja prefixes the source and, for bodies, the parameter name: ``("body", "payload",
    "name")`` → ``name``; ``("body", "payload")`` → ``__all__``; ``("query", "limit")`` →
    ``limit``.
    """
    loc = tuple(loc)
    loc = loc[2:] if loc and loc[0] == "body" else loc[1:]
    names = [part for part in loc if isinstance(part, str)]
    return names[-1] if names else NON_FIELD_ERRORS


def pydantic_field_errors(errors: Iterable[dict]) -> dict[str, list[str]]:
    messages = _pydantic_messages()
    out: dict[str, list[str]] = {}
    for err in errors:
        make = messages.get(err.get("type", ""))
        text = make(err) if make else _("Enter a valid value.")
        field = _field_of(err.get("loc", ()))
        if text not in out.setdefault(field, []):
            out[field].append(text)
    return out


def _invalid_summary() -> str:
    return _("Some of the data sent is not valid.")


# --- Handlers ------------------------------------------------------------------------------------


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every expected exception to the JSON error shape above."""

    def respond(request, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request, exc: NinjaValidationError):
        errors = pydantic_field_errors(exc.errors)
        return respond(request, 422, {"detail": _invalid_summary(), "errors": errors})

    @api.exception_handler(DjangoValidationError)
    def service_invalid(request, exc: DjangoValidationError):
        return respond(request, 422, {"detail": _invalid_summary(), "errors": field_errors(exc)})

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = respond(request, 401, {"detail": _("Sign in first: send a valid bearer token.")})
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc: PermissionDenied):
        message = str(exc) or _("You do not have permission to do this.")
        return respond(request, 403, {"detail": message})

    def not_found(request, exc):
        return respond(request, 404, {"detail": _("Not found.")})

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)

    @api.exception_handler(IntegrityError)
    def conflict(request, exc):
        # Services check constraints first; this is a concurrent change that won the race.
        message = _("This conflicts with a change made at the same time; please try again.")
        return respond(request, 409, {"detail": message})

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, UnsupportedMediaType):
            exc = exc.__cause__  # ninja wraps what the parser raises in a 400
        if exc.status_code == 415:
            message = _("Send the request body as JSON, with Content-Type: application/json.")
            return respond(request, 415, {"detail": message})
        if exc.status_code == 400 and exc.__cause__ is not None:
            # ninja could not parse the body (malformed JSON, bad encoding)
            errors = {NON_FIELD_ERRORS: [_("The request body is not valid JSON.")]}
            return respond(request, 422, {"detail": _invalid_summary(), "errors": errors})
        if exc.status_code == 429:
            return respond(request, 429, {"detail": _("Too many requests; try again later.")})
        return respond(request, exc.status_code, {"detail": str(exc)})
