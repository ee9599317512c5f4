"""Personal data at rest: ID numbers and phones encrypted with AES-GCM, found again through a
keyed blind index (PIPL 敏感个人信息; 等保三级: confidentiality of important data).

**Keys never live in the database.** They come from the settings (``cunjing/settings.py`` reads
the environment), else from a key file outside the database:

- ``FIELD_ENCRYPTION_KEYS``: ``[(key_id, 32 bytes), …]`` or, as the environment gives it,
  ``"k2:<base64>,k1:<base64>"``; the first one is current — it encrypts; every one decrypts, so
  the old key stays listed until ``manage.py rotate_keys`` has re-encrypted every row under the
  new one;
- ``BLIND_INDEX_KEY``: 32 bytes (or base64), the HMAC key of the blind index. It does not rotate
  with the encryption keys: a new one would change every stored index value (re-indexing every
  row, which needs the clear values: decrypt, recompute, write);
- ``FIELD_ENCRYPTION_KEY_FILE``: the key file, read for whatever the two settings above leave
  unset: one ``id:base64`` per line, the current encryption key first, and the blind-index key
  on the line of the reserved id ``index``; ``#`` starts a comment;
- ``FIELD_ENCRYPTION_KEY_AUTOCREATE``: the embedded shape (``make run``; no
  ``FIELD_ENCRYPTION_KEY_FILE`` named) creates ``var/field_keys`` on first use, mode 0600, like
  ``var/secret_key``. A county deployment (``DEPLOYMENT=county``) must configure its keys: a
  missing key is a system check error (``cunjing.E001``) at ``migrate``/``check``, and an
  ``ImproperlyConfigured`` on first use, never a silent default.

**Ciphertext**: ``v1:<key id>:<base64(nonce 12 bytes ‖ ciphertext ‖ tag 16 bytes)>``, AES-256-GCM
with the column (``registry.resident.id_number``) as associated data, so a value copied into
another column, or altered, does not decrypt (:class:`DecryptionError`).

**Blind index**: ``hex(HMAC-SHA256(BLIND_INDEX_KEY, kind ‖ 0 ‖ normalised value))`` for the two
kinds, ``id_number`` (spaces dropped, upper case) and ``phone`` (E.164 where it parses): an exact
search is an indexed equality on the index column, and the same person's phone has the same
index in every table. Blank stays blank.

The model fields that use this are in :mod:`cunjing.core.fields`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_MAX = 16
KEY_ID_RE = re.compile(rf"^[A-Za-z0-9_-]{{1,{KEY_ID_MAX}}}\Z")
# The key file's line holding the blind-index key (never an encryption key's id).
INDEX_KEY_ID = "index"

# The kinds of personal value with a blind index (the normalisation differs).
ID_NUMBER = "id_number"
PHONE = "phone"
KINDS = (ID_NUMBER, PHONE)
_CN_MOBILE_E164 = re.compile(r"\+861[0-9]{10}\Z")

_SETTINGS = frozenset(
    {
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEY",
        "FIELD_ENCRYPTION_KEY_FILE",
        "FIELD_ENCRYPTION_KEY_AUTOCREATE",
    }
)


class DecryptionError(ValueError):
    """A stored value that does not decrypt: altered, moved from another column, or under a key
    that is not (any longer) configured."""


@dataclass(frozen=True)
class Keyring:
    """The configured keys: the current encryption key's id, a cipher per key id (made once),
    and the blind-index key."""

    current: str
    ciphers: dict[str, AESGCM]
    index_key: bytes

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.ciphers)


# --- Keys: parsing, the key file, the keyring -------------------------------------------------


def generate_key() -> str:
    """A new random key, base64 (what goes after ``id:`` in the settings or the key file)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def decode_key(text: str, *, name: str) -> bytes:
    """A base64 key of 32 bytes; ``name`` says which one in the error (never the key)."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: the key is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"{name}: the key must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def parse_keys(text: str, *, name: str) -> list[tuple[str, bytes]]:
    """``"k2:<base64>,k1:<base64>"`` (commas or new lines between entries; ``#`` comments in
    a file) as ``[(key_id, key), …]``, in the order given."""
    keys: list[tuple[str, bytes]] = []
    lines = (line.split("#", 1)[0] for line in (text or "").splitlines())
    for raw in (entry for line in lines for entry in line.split(",")):
        entry = raw.strip()
        if not entry:
            continue
        key_id, sep, material = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                f"{name}: each entry is <id>:<base64 key>, the id 1-{KEY_ID_MAX} of A-Z a-z 0-9 _ -"
            )
        if any(key_id == known for known, _key in keys):
            raise ImproperlyConfigured(f"{name}: the key id {key_id!r} appears twice")
        keys.append((key_id, decode_key(material, name=f"{name} ({key_id})")))
    return keys


def _key_file_text() -> str | None:
    """The key file's text; created first (0600) when missing and allowed to (embedded
    shape); ``None`` when there is none."""
    path = Path(getattr(settings, "FIELD_ENCRYPTION_KEY_FILE", "") or "")
    if not str(path) or str(path) == ".":
        return None
    try:
        return path.read_text()
    except FileNotFoundError:
        if not getattr(settings, "FIELD_ENCRYPTION_KEY_AUTOCREATE", False):
            return None
    content = (
        "# cunjing: keys of the personal data at rest (README: Personal data at rest).\n"
        "# The first encryption key encrypts, every one decrypts; 'index' is the blind-index key.\n"
        f"{INDEX_KEY_ID}:{generate_key()}\n"
        f"k1:{generate_key()}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text()
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    return content


def _from_settings() -> Keyring:
    configured = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []
    if isinstance(configured, str):
        configured = parse_keys(configured, name="FIELD_ENCRYPTION_KEYS")
    keys = [(str(key_id), bytes(key)) for key_id, key in configured]
    index_key = getattr(settings, "BLIND_INDEX_KEY", None) or b""
    if isinstance(index_key, str):
        index_key = decode_key(index_key, name="BLIND_INDEX_KEY")
    if not keys or not index_key:
        text = _key_file_text()
        if text is not None:
            in_file = parse_keys(text, name="FIELD_ENCRYPTION_KEY_FILE")
            if not index_key:
                index_key = next((k for i, k in in_file if i == INDEX_KEY_ID), b"")
            if not keys:
                keys = [(i, k) for i, k in in_file if i != INDEX_KEY_ID]
    if not keys:
        raise ImproperlyConfigured(
            "No key to encrypt personal data: set FIELD_ENCRYPTION_KEYS or "
            "FIELD_ENCRYPTION_KEY_FILE (README: Personal data at rest)"
        )
    if not index_key:
        raise ImproperlyConfigured(
            "No blind-index key: set BLIND_INDEX_KEY, or an 'index:' line in "
            "FIELD_ENCRYPTION_KEY_FILE (README: Personal data at rest)"
        )
    for key_id, key in keys:
        if not KEY_ID_RE.match(key_id) or key_id == INDEX_KEY_ID:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: {key_id!r} is not a valid key id")
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS ({key_id}): {KEY_BYTES} bytes")
    if len(index_key) != KEY_BYTES:
        raise ImproperlyConfigured(f"BLIND_INDEX_KEY: the key must be {KEY_BYTES} bytes")
    if len({key_id for key_id, _key in keys}) != len(keys):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: a key id appears twice")
    if any(hmac.compare_digest(key, index_key) for _key_id, key in keys):
        raise ImproperlyConfigured("BLIND_INDEX_KEY must differ from every encryption key")
    return Keyring(
        current=keys[0][0],
        ciphers={key_id: AESGCM(key) for key_id, key in keys},
        index_key=bytes(index_key),
    )


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    """The keys, loaded once per process (again after a test changes the settings)."""
    return _from_settings()


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs) -> None:
    if setting in _SETTINGS:
        keyring.cache_clear()


# --- Encryption ---------------------------------------------------------------------------------


def _ad(column: str | bytes) -> bytes:
    return column if isinstance(column, bytes) else column.encode()


def encrypt(value: str, *, column: str | bytes) -> str:
    """``value`` encrypted under the current key, bound to ``column`` (``app.model.field``)."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.current].encrypt(nonce, value.encode(), _ad(column))
    return f"{VERSION}:{ring.current}:{base64.b64encode(nonce + sealed).decode()}"


def split(token: str) -> tuple[str, bytes]:
    """The key id and the sealed bytes of a stored value (:class:`DecryptionError` if it has
    not the ciphertext's form)."""
    version, sep, rest = (token or "").partition(":")
    key_id, sep2, payload = rest.partition(":")
    if version != VERSION or not sep or not sep2:
        raise DecryptionError("not a v1 ciphertext")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("the ciphertext is not valid base64") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("the ciphertext is too short")
    return key_id, raw


def key_id_of(token: str) -> str | None:
    """The id of the key ``token`` was encrypted under; ``None`` if it is no ciphertext."""
    try:
        return split(token)[0]
    except DecryptionError:
        return None


def is_ciphertext(value) -> bool:
    return isinstance(value, str) and key_id_of(value) is not None


def decrypt(token: str, *, column: str | bytes) -> str:
    """The clear value of ``token`` stored in ``column``; :class:`DecryptionError` when it was
    altered, belongs to another column or is under a key not configured."""
    key_id, raw = split(token)
    cipher = keyring().ciphers.get(key_id)
    if cipher is None:
        raise DecryptionError(f"the key {key_id!r} is not configured")
    try:
        clear = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _ad(column))
    except InvalidTag:
        raise DecryptionError(f"a value of {_ad(column).decode()} does not decrypt") from None
    return clear.decode()


def ciphertext_length(max_chars: int) -> int:
    """The longest stored form of a clear value of ``max_chars`` characters (4 UTF-8 bytes each
    at most): the database column's length."""
    sealed = NONCE_BYTES + 4 * max_chars + TAG_BYTES
    return len(VERSION) + 1 + KEY_ID_MAX + 1 + 4 * ((sealed + 2) // 3)


# --- Blind index --------------------------------------------------------------------------------


def normalise(kind: str, value: str) -> str:
    """The form of ``value`` the index is computed on: an ID number without spaces in upper
    case; a phone in E.164 when it parses (``13903751009`` and ``+8613903751009`` are one)."""
    text = "".join((value or "").split())
    if kind == ID_NUMBER:
        return text.upper()
    if kind == PHONE:
        if not text or _CN_MOBILE_E164.match(text):
            # A Chinese mobile in E.164 (what the services store) is its own normal form, valid
            # or not: no need to parse it (phonenumbers costs ~20 µs a number).
            return text
        from cunjing.core.validators import normalize_phone

        try:
            return normalize_phone(text)
        except ValidationError:
            return text
    raise ValueError(f"no blind index for {kind!r}")


def blind_index(kind: str, value: str | None) -> str:
    """The stored index of ``value`` (64 hex digits); blank for a blank value."""
    text = normalise(kind, value or "")
    if not text:
        return ""
    message = kind.encode() + b"\x00" + text.encode()
    return hmac.new(keyring().index_key, message, hashlib.sha256).hexdigest()


# --- The system check ---------------------------------------------------------------------------


@checks.register(checks.Tags.security)
def check_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``cunjing.E001``: the keys are missing or malformed (a startup error, not a default);
    ``cunjing.W001``: the key file can be read by others than its owner."""
    try:
        keyring.cache_clear()
        keyring()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="README, 'Personal data at rest': generate a key with "
                '`python -c "import base64,os;print(base64.b64encode(os.urandom(32)).decode())"`',
                id="cunjing.E001",
            )
        ]
    messages: list[checks.CheckMessage] = []
    path = Path(getattr(settings, "FIELD_ENCRYPTION_KEY_FILE", "") or "")
    shared = stat.S_IRWXG | stat.S_IRWXO
    if str(path) not in ("", ".") and path.is_file() and path.stat().st_mode & shared:
        messages.append(
            checks.Warning(
                f"{path}: the key file can be read by other users",
                hint=f"chmod 600 {path}",
                id="cunjing.W001",
            )
        )
    return messages
