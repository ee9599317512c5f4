"""What every API router shares: session authentication, the error shape and its handlers,
capability checks, the page parameters, and input field types that cannot reach the database
malformed.

``core`` imports no app: the bearer-token class lives with the tokens in ``accounts.api`` and the
assembly (``cunjing/api.py``) puts the two side by side.

Error shape (every non-2xx answer is JSON, never an HTML 500 page)::

    401, 403, 404, 409, 429  {"detail": "<message in the user's language>"}
    422                      {"detail": "<summary>", "errors": {"<field>": ["<message>", ...]}}

A 422 comes from request validation (pydantic, before the view runs) or from a service's
``ValidationError``; both use the same shape, keyed by field name (``__all__`` for errors not tied
to one field).
"""

from __future__ import annotations

import datetime as dt
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
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import AfterValidator, BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from cunjing.core import roles
from cunjing.core.errors import field_errors

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
# A date in a query string, documented with its length bound like every query string.
QueryDate = Annotated[
    dt.date, WithJsonSchema({"type": "string", "format": "date", "maxLength": 10})
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
        if exc.status_code == 400 and exc.__cause__ is not None:
            # ninja could not parse the body (malformed JSON, bad encoding)
            errors = {NON_FIELD_ERRORS: [_("The request body is not valid JSON.")]}
            return respond(request, 422, {"detail": _invalid_summary(), "errors": errors})
        if exc.status_code == 429:
            return respond(request, 429, {"detail": _("Too many requests; try again later.")})
        return respond(request, exc.status_code, {"detail": str(exc)})
