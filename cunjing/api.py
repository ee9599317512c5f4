"""The API: django-ninja routers of every app, assembled here.

Authentication for every endpoint but ``POST /api/auth/token``: a bearer token (tried first) or
the signed-in Django session (CSRF-checked for unsafe methods). The Swagger page at
``/api/docs`` loads its JS and CSS from ninja's bundled static files (``ninja`` is in
``INSTALLED_APPS``), never from a CDN: the county deployment runs on the police intranet.
"""

from ninja import Swagger

from cunjing.accounts.api import router as accounts_router
from cunjing.accounts.api import token_auth
from cunjing.core import reveal_api
from cunjing.core.api import JsonAPI, install_error_handlers, session_auth
from cunjing.core.validators import QUERY_DATE_MIN
from cunjing.disputes.api import router as disputes_router
from cunjing.fieldwork.api import router as fieldwork_router
from cunjing.matters.api import router as matters_router
from cunjing.org.api import router as org_router
from cunjing.registry.api import router as registry_router
from cunjing.stats.api import router as stats_router

DESCRIPTION = """村警 — the 一村一警 · 一警两员 共保村社 community-policing platform.

**Authentication**: `POST /api/auth/token` returns a bearer token; send it as
`Authorization: Bearer <token>`. A signed-in browser session works too (send `X-CSRFToken` on
unsafe methods). Messages follow `Accept-Language` (`zh-hans` by default, `en`).

**Errors** are JSON, whatever went wrong: `{"detail": "..."}` for 400, 401, 403, 404 (an
unknown path too), 405, 409, 413 (a body larger than the limit), 415 (a body not sent as
`Content-Type: application/json`; uploads are `multipart/form-data`), 429 and 500;
`{"detail": "...", "errors": {"field": ["message", ...]}}` for 422. An object outside your
jurisdiction answers 404, like one that does not exist; one you may see but not change, 403.

**Dates** in a query string (`from`, `to`, `date_from`, `date_to`) are `YYYY-MM-DD`, from
%(date_min)s to a year after today; anything else is a 422 on that parameter.

**Lists**: the organisation lists (bounded, a few thousand rows a county) take `limit` (1–500,
default 100) and `offset` and answer `{"count", "limit", "offset", "items"}`; the field-work
record lists, which grow without bound, are keyset-paginated: newest first, `before` cursor,
`limit` up to 200, `next` in the answer.

**Writes from phones** carry an `Idempotency-Key` header (or a `client_uuid` field): a retry
with the same key returns the first answer and stores nothing new.
""".replace("%(date_min)s", QUERY_DATE_MIN.isoformat())

api = JsonAPI(
    title="cunjing API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[token_auth, session_auth],
    # validatorUrl None: Swagger UI would otherwise call validator.swagger.io from the browser.
    docs=Swagger(settings={"validatorUrl": None}),
)
install_error_handlers(api)
api.add_router("", accounts_router)
api.add_router("/org", org_router)
api.add_router("/fieldwork", fieldwork_router)
api.add_router("/stats", stats_router)
api.add_router("/registry", registry_router)
api.add_router("/reveal", reveal_api.build_router())
api.add_router("/matters", matters_router)
api.add_router("/disputes", disputes_router)
