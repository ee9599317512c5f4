"""cunjing settings: one module, driven by environment variables (healthchecks style).

Every knob has a safe default for the embedded shape (SQLite under ``var/``). A county deployment
sets ``DEPLOYMENT=county`` (HTTPS behind the documented nginx: see "Deployment" below and the
README), ``DATABASE_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``REDIS_URL``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CUNJING_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


# --- Deployment ----------------------------------------------------------------------------------
# DEPLOYMENT names the shape of DESIGN.md: "embedded" (default: `make run`, plain HTTP on
# 127.0.0.1) or "county" (gunicorn behind the documented nginx, which terminates HTTPS and sets
# X-Real-IP and X-Forwarded-Proto). "county" turns on HTTPS and TRUST_X_REAL_IP (each may still be
# set on its own) and refuses to start without SECRET_KEY and ALLOWED_HOSTS or with DEBUG on:
# `manage.py check --deploy` answers no warning there (tests/core/test_deploy_check.py).
DEPLOYMENT = os.environ.get("DEPLOYMENT", "embedded").strip().lower()
if DEPLOYMENT not in ("embedded", "county"):
    raise ImproperlyConfigured(f"DEPLOYMENT={DEPLOYMENT!r}: use 'embedded' or 'county'")
COUNTY = DEPLOYMENT == "county"
# At least 50 characters (Django's security.W009), e.g. python3 -c "import secrets;
# print(secrets.token_urlsafe(50))". Embedded: generated once under var/ when unset.
SECRET_KEY_MIN_LENGTH = 50
if COUNTY and len(os.environ.get("SECRET_KEY", "")) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"DEPLOYMENT=county needs SECRET_KEY of at least {SECRET_KEY_MIN_LENGTH} characters"
    )
if COUNTY and not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("DEPLOYMENT=county needs ALLOWED_HOSTS (the site's host names)")

SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", "0")
if COUNTY and DEBUG:
    raise ImproperlyConfigured("DEPLOYMENT=county runs with DEBUG off")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# HTTPS=1: the site is served over HTTPS only: plain HTTP is redirected, browsers are told to
# use HTTPS for HSTS_SECONDS (default one year) on this host and its subdomains, and the session
# and CSRF cookies are Secure. HSTS_PRELOAD=1 (default with HTTPS) only allows the host to be
# submitted to the browsers' preload list (hstspreload.org); nothing is submitted from here.
HTTPS = envbool("HTTPS", "1" if COUNTY else "0")
# TRUST_X_REAL_IP=1: gunicorn is reached only through the documented nginx, which always
# overwrites X-Real-IP (the client's address: audit trail, rate limits, sign-in lockout; see
# core/net.py) and X-Forwarded-Proto (the scheme, with HTTPS). Never set it on a server clients
# reach directly: a client can send any header itself.
TRUST_X_REAL_IP = envbool("TRUST_X_REAL_IP", "1" if COUNTY else "0")

INSTALLED_APPS = [
    # Before django.contrib.auth: its ``createsuperuser`` command is replaced by a refusal (the
    # first app of the list wins a command's name).
    "cunjing.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",
    "django_htmx",
    "template_partials",
    "treebeard",
    "huey.contrib.djhuey",
    "django_ratelimit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",  # its system checks (settings of django-csp 3 that 4 no longer reads)
    "cunjing.core",
    "cunjing.org",
    "cunjing.stats",
    "cunjing.fieldwork",
    "cunjing.matters",
    "cunjing.open311",
    "cunjing.dashboard",
    "cunjing.registry",
    "cunjing.disputes",
    "cunjing.demo",
    "cunjing.workspace",
    "cunjing.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "cunjing.core.headers.SecurityHeadersMiddleware",
    "cunjing.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cunjing.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cunjing.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cunjing.urls"
CSRF_FAILURE_VIEW = "cunjing.errors.csrf_failure"
WSGI_APPLICATION = "cunjing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cunjing" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cunjing.accounts.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode under var/. Production: DATABASE_URL=postgres://...
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cunjing.sqlite3'}"),
        conn_max_age=envint("CONN_MAX_AGE", 0),
        # A kept connection is checked before a request reuses it: after a database restart the
        # first request gets a fresh connection instead of a 500 (bench/faults measured one per
        # stale connection without this).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with flush keeping the audit table's DELETE trigger (core/sqlite/base.py)
    DATABASES["default"]["ENGINE"] = "cunjing.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
# SQLite tests run in memory, one database per pytest-xdist worker (said explicitly: pytest-django
# recognises the in-memory default by Django's own engine path only).
_IN_MEMORY = ":memory:" if DATABASES["default"]["ENGINE"] == "cunjing.core.sqlite" else None
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or _IN_MEMORY}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, passwords, lockout, sessions ----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "cunjing.accounts.validators.CharacterClassesValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "cunjing.accounts.backends.AccountBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30))
# Two-factor sign-in (TOTP, django-otp): required of every staff account unless turned off
# (`make run` turns it off for the demo county, whose accounts are not enrolled). An enrolled
# account is asked for its code whether or not it is required.
TWO_FACTOR_REQUIRED = envbool("TWO_FACTOR_REQUIRED", "1")
OTP_TOTP_ISSUER = "村警 cunjing"
# Passwords: a new one may not be any of the last PASSWORD_HISTORY; after PASSWORD_MAX_AGE_DAYS
# (0: never) the next sign-in asks for a new one (等保: periodic change; `make run` sets 0).
PASSWORD_HISTORY = envint("PASSWORD_HISTORY", 5)
PASSWORD_MAX_AGE_DAYS = envint("PASSWORD_MAX_AGE_DAYS", 90)
# Failed sign-ins lock a (username, client address) pair, not the username: a stranger
# elsewhere cannot lock an officer out. An attempt during a lockout does not extend it.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Across usernames, one client address gets this many failed sign-ins per 10 minutes (a
# station's shared address is not locked by one person's typos, a guesser is stopped).
SIGNIN_FAILURES_PER_ADDRESS = envint("SIGNIN_FAILURES_PER_ADDRESS", 30)
# The client's address, for the lockout and every rate limit alike: ``core.net.client_address``
# (REMOTE_ADDR, or behind nginx the header named by CLIENT_ADDRESS_HEADER, below).
AXES_CLIENT_IP_CALLABLE = "cunjing.core.net.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cunjing.accounts.views.locked_out"
AXES_VERBOSE = False
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the 30 minutes are an idle timeout, renewed by activity
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "1" if HTTPS else "0")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
API_TOKEN_HOURS = envint("API_TOKEN_HOURS", 12)

# --- Internationalisation: Chinese first, English second ----------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "cunjing" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: Tabler, ECharts, htmx from npm (node_modules), served by whitenoise ---------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "cunjing" / "static",
    ("vendor/tabler", NODE_MODULES / "@tabler" / "core" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A request body (files aside) larger than this answers 413: JSON under /api/, Open311's format
# under /open311/v2/, a page elsewhere (cunjing/errors.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 10 * 1024 * 1024)

# --- Security headers --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_HSTS_PRELOAD = envbool("HSTS_PRELOAD", "1")
if HTTPS and TRUST_X_REAL_IP:
    # nginx terminates TLS and says so (proxy_set_header X-Forwarded-Proto $scheme).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp 4) on every answer: scripts only from the site's own files
# (no inline script, no on*= attribute, no eval: htmx's hx-on is not used and its eval is off,
# see templates/base.html); no <style> element but the site's stylesheets; style="" attributes
# (a handful in the templates, and those scripts set) are allowed. img-src data: for Tabler's
# form icons and the two-factor QR code (an SVG data URI). The phone workspace's service worker
# and manifest are the site's own. A map tile server (when one becomes a setting) goes in img-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy: every powerful feature off, for the site and any frame in it. No page asks
# for the position, the camera (a photo is picked with a plain file input) or the microphone.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
# Cache-Control: no-store (core/headers.py) on every answer to a signed-in user, to a POST, and
# under these paths; the views named here keep their own caching (public, no personal data).
NO_STORE_PATH_PREFIXES = ["/api/", "/open311/"]
CACHEABLE_VIEWS = ["workspace:sw", "workspace:manifest"]

# --- Audit ---------------------------------------------------------------------------------------
# Key for the per-row HMAC that makes the append-only audit trail tamper-evident.
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", SECRET_KEY)

# --- Personal data at rest (core/crypto.py) ------------------------------------------------------
# ID numbers and phones are stored AES-GCM encrypted, found through a keyed blind index; the keys
# never live in the database. FIELD_ENCRYPTION_KEYS="k2:<base64>,k1:<base64>" (the first one
# encrypts, all decrypt: `manage.py rotate_keys` moves rows onto the first); BLIND_INDEX_KEY
# (base64, 32 bytes; never rotated). Whatever is unset is read from FIELD_ENCRYPTION_KEY_FILE
# (lines "id:base64", the blind-index key on the line "index:"). Embedded: that file is created
# under var/ (0600) on first use; county: a missing key is a system check error (cunjing.E001).
FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS", "")
BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY", "")
FIELD_ENCRYPTION_KEY_FILE = os.environ.get("FIELD_ENCRYPTION_KEY_FILE") or str(
    VAR_DIR / "field_keys"
)
FIELD_ENCRYPTION_KEY_AUTOCREATE = envbool(
    "FIELD_ENCRYPTION_KEY_AUTOCREATE",
    "0" if COUNTY or "FIELD_ENCRYPTION_KEY_FILE" in os.environ else "1",
)

# --- Background work -----------------------------------------------------------------------------
if os.environ.get("REDIS_URL"):
    HUEY = {"huey_class": "huey.RedisHuey", "name": "cunjing", "url": os.environ["REDIS_URL"]}
else:
    HUEY = {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")}
# HUEY_IMMEDIATE=1 runs tasks in the calling process (tests, a development shell).
HUEY["immediate"] = envbool("HUEY_IMMEDIATE", "0")
HUEY["name"] = "cunjing"

# --- Cache and rate limits ---------------------------------------------------------------------
# The rate limits of the public portal and Open311 (django-ratelimit) count in the cache. With
# REDIS_URL (county deployment) every worker shares one count; without it (embedded) each worker
# process counts on its own, so the limit a client meets is at most workers × the rate.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "cunjing",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The client's address (core/net.py): X-Real-IP with TRUST_X_REAL_IP (see "Deployment"), else
# REMOTE_ADDR. RATELIMIT_IP_META_KEY=HTTP_X_REAL_IP, the older name of TRUST_X_REAL_IP=1, is still
# read (deprecated: it names any header; only one the proxy always overwrites may be named).
CLIENT_ADDRESS_HEADER = (
    "HTTP_X_REAL_IP" if TRUST_X_REAL_IP else os.environ.get("RATELIMIT_IP_META_KEY", "")
)
RATELIMIT_IP_META_KEY = "cunjing.core.net.client_address"
RATELIMIT_ENABLE = envbool("RATELIMIT_ENABLE", "1")
# The residents' portal (/portal/): the bureau it serves (county code; unset with exactly one
# bureau: that one) and its rates per client address ("count/period", e.g. "5/10m").
PORTAL_BUREAU = os.environ.get("CUNJING_PORTAL_BUREAU", "")
PORTAL_RATES = {
    "submit": os.environ.get("PORTAL_RATE_SUBMIT", "5/10m"),  # matters submitted
    "lookup": os.environ.get("PORTAL_RATE_LOOKUP", "30/10m"),  # requests naming a tracking code
    "action": os.environ.get("PORTAL_RATE_ACTION", "20/m"),  # confirm, reopen, rate
    "search": os.environ.get("PORTAL_RATE_SEARCH", "120/m"),  # village searches (GET with q)
}

# --- Open311 GeoReport v2 (/open311/v2/) ----------------------------------------------------
# Rates are django-ratelimit's "count/period" (s, m, h, d). POSTs count per API key and per client
# address; every answer past a limit is a 429 with Retry-After. GETs count per client address at
# OPEN311_RATE_GET_PER_IP: discovery, services, and listing/search with an API key (a city's app
# serving many residents) may go that fast. A lookup by service request id WITHOUT a key (at most
# 50 ids a lookup) also counts against the portal's tracking limit, PORTAL_RATES["lookup"], in
# the same count as the portal's lookups: the ids are residents' keys, whichever door asks.
OPEN311_RATE_POST_PER_KEY = os.environ.get("OPEN311_RATE_POST_PER_KEY", "120/h")
OPEN311_RATE_POST_PER_IP = os.environ.get("OPEN311_RATE_POST_PER_IP", "20/m")
OPEN311_RATE_GET_PER_IP = os.environ.get("OPEN311_RATE_GET_PER_IP", "600/m")
# A point outside every village boundary goes to the nearest village centre within this distance.
OPEN311_NEAREST_KM = float(os.environ.get("OPEN311_NEAREST_KM", "3"))
# The bureau (its county code) answering requests without jurisdiction_id when several are hosted.
OPEN311_JURISDICTION = os.environ.get("OPEN311_JURISDICTION", "")
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "")  # discovery: who to contact
OPEN311_KEY_SERVICE = os.environ.get("OPEN311_KEY_SERVICE", "")  # discovery: how to get a key

# --- Demo ----------------------------------------------------------------------------------------
DEMO_PASSWORD_FILE = VAR_DIR / "demo_password"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Lockout is per account (5 failures → 30 minutes), not per address: a station's officers share
# one NAT address, and one officer's typos must not lock out the whole station.
# django_ratelimit.E003: LocMemCache is not shared between worker processes — accepted for the
# embedded deployment only (see the cache section above; REDIS_URL gives a shared count).
# django_ratelimit.W001: Django's own RedisCache is not on its list; its incr is Redis INCR.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "django_ratelimit.W001"]
if not os.environ.get("REDIS_URL"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
