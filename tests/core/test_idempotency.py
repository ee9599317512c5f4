"""Idempotent client writes: a replayed submission is stored once and answered the same way."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.testing import TestClient

from cunjing.accounts import services as account_services
from cunjing.core import audit, idempotency
from cunjing.core.api import install_error_handlers
from cunjing.core.idempotency import IdempotencyConflict, IdempotencyInFlight, run_once
from cunjing.core.models import AuditEvent, IdempotencyKey
from cunjing.core.roles import SYSTEM
from cunjing.org import services as org
from tests.county import PASSWORD

ENDPOINT = "test.write"
ACTION = "test.idempotent_write"
CONFLICT = "This Idempotency-Key was already used with a different request."


def make_people(code: str = "410496", prefix: str = "idem"):
    """A bureau with two commanders: the minimum a keyed write needs."""
    bureau = org.bureau_create(actor=SYSTEM, name=f"幂等测试县公安局{code}", code=code)
    root = org.bureau_root_unit(bureau)
    users = [
        account_services.user_create(
            actor=SYSTEM, username=f"{prefix}{n}", password=PASSWORD, role="commander", unit=root
        )
        for n in (1, 2)
    ]
    return bureau, users


@pytest.fixture
def people(db):
    return make_people()


class Writer:
    """A ``create()`` that writes one audit event carrying ``marker`` and counts its calls."""

    def __init__(self, user, marker: str, delay: float = 0):
        self.user = user
        self.marker = marker
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> tuple[int, dict]:
        with self._lock:
            self.calls += 1
        event = audit.record(
            actor=self.user,
            action=ACTION,
            object_type="test",
            object_id=self.marker,
            after={"marker": self.marker},
        )
        # A slow write keeps the window open: the other threads' INSERTs queue on the index.
        time.sleep(self.delay)
        return 201, {"id": event.pk, "marker": self.marker, "at": event.created_at}

    def stored(self) -> int:
        return AuditEvent.objects.filter(action=ACTION, object_id=self.marker).count()


def payload(**extra) -> dict:
    return {"note": "夜间巡逻", "visited_on": dt.date(2026, 11, 29), **extra}


# --- The mechanism -------------------------------------------------------------------------------


def test_first_call_writes_and_stores_the_answer(people):
    _bureau, (user, _) = people
    key = uuid.uuid4()
    write = Writer(user, "first")
    status, body, replayed = run_once(
        user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=write
    )
    assert (status, replayed, write.calls, write.stored()) == (201, False, 1, 1)
    # The body is returned as stored: JSON values (the datetime as its ISO string).
    event = AuditEvent.objects.get(action=ACTION, object_id="first")
    assert body == {"id": event.pk, "marker": "first", "at": event.created_at.isoformat()}
    row = IdempotencyKey.objects.get(user=user, key=key)
    assert row.bureau_id == user.bureau_id
    assert (row.status_code, row.response, row.endpoint) == (201, body, ENDPOINT)
    assert row.request_hash == idempotency.request_hash(ENDPOINT, payload())
    assert not row.is_pending


def test_retry_returns_the_stored_answer_without_writing_again(people):
    _bureau, (user, _) = people
    key = uuid.uuid4()
    write = Writer(user, "retry")
    first = run_once(user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=write)
    # The same request with its keys in another order is the same request.
    reordered = dict(reversed(list(payload().items())))
    again = run_once(user=user, key=key, endpoint=ENDPOINT, payload=reordered, create=write)
    assert again == (first[0], first[1], True)
    assert write.calls == 1
    assert write.stored() == 1
    assert IdempotencyKey.objects.filter(user=user, key=key).count() == 1
    # The unique violation stayed in its savepoint: the surrounding transaction still works.
    assert AuditEvent.objects.filter(action=ACTION).count() == 1


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [(ENDPOINT, payload(note="另一条")), (ENDPOINT, payload(extra=1)), ("other.write", payload())],
    ids=["other-value", "other-field", "other-endpoint"],
)
def test_same_key_with_a_different_request_is_a_conflict(people, endpoint, body):
    _bureau, (user, _) = people
    key = uuid.uuid4()
    write = Writer(user, "conflict")
    run_once(user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=write)
    with pytest.raises(IdempotencyConflict) as err:
        run_once(user=user, key=key, endpoint=endpoint, payload=body, create=write)
    assert err.value.message_dict == {"Idempotency-Key": [gettext(CONFLICT)]}
    assert err.value.error_dict["Idempotency-Key"][0].code == "idempotency_conflict"
    assert write.calls == 1
    assert write.stored() == 1


def test_conflict_names_the_field_that_carried_the_key(people):
    _bureau, (user, _) = people
    key = uuid.uuid4()
    run_once(user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=Writer(user, "a"))
    with pytest.raises(IdempotencyConflict) as err:
        run_once(
            user=user,
            key=key,
            endpoint=ENDPOINT,
            payload=payload(note="x"),
            create=Writer(user, "b"),
            field="client_uuid",
        )
    assert list(err.value.message_dict) == ["client_uuid"]


def test_keys_are_per_user(people):
    _bureau, (alice, bob) = people
    key = uuid.uuid4()
    a = run_once(
        user=alice, key=key, endpoint=ENDPOINT, payload=payload(), create=Writer(alice, "a")
    )
    b = run_once(user=bob, key=key, endpoint=ENDPOINT, payload=payload(), create=Writer(bob, "b"))
    assert (a[2], b[2]) == (False, False)
    assert a[1]["marker"] == "a"
    assert b[1]["marker"] == "b"
    assert IdempotencyKey.objects.filter(key=key).count() == 2
    # ...and a different body under bob's key is bob's conflict only.
    with pytest.raises(IdempotencyConflict):
        run_once(
            user=bob, key=key, endpoint=ENDPOINT, payload=payload(n=2), create=Writer(bob, "c")
        )


def test_failed_create_leaves_no_key_and_the_retry_writes(people):
    _bureau, (user, _) = people
    key = uuid.uuid4()
    write = Writer(user, "fails-first")

    def failing():
        write()  # its audit event must roll back with the key row
        raise ValidationError({"note": ["bad"]})

    with pytest.raises(ValidationError):
        run_once(user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=failing)
    assert not IdempotencyKey.objects.filter(user=user, key=key).exists()
    assert write.stored() == 0
    status, _body, replayed = run_once(
        user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=write
    )
    assert (status, replayed, write.stored()) == (201, False, 1)


def test_reuse_while_the_first_request_is_open_is_409(people):
    """The pending row is visible only to its own transaction: reuse the key from inside it."""
    _bureau, (user, _) = people
    key = uuid.uuid4()
    write = Writer(user, "outer")

    def create_and_reenter():
        with pytest.raises(IdempotencyInFlight) as err:
            run_once(user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=write)
        assert err.value.status_code == 409
        return write()  # the transaction is still usable after the refused inner attempt

    status, _body, replayed = run_once(
        user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=create_and_reenter
    )
    assert (status, replayed, write.calls, write.stored()) == (201, False, 1, 1)
    assert IdempotencyKey.objects.get(user=user, key=key).status_code == 201


def test_run_once_refuses_bad_arguments(people):
    _bureau, (user, _) = people
    write = Writer(user, "bad")
    with pytest.raises(TypeError):
        run_once(user=user, key=str(uuid.uuid4()), endpoint=ENDPOINT, payload={}, create=write)
    with pytest.raises(ValueError, match="at most"):
        run_once(user=user, key=uuid.uuid4(), endpoint="x" * 101, payload={}, create=write)
    assert write.calls == 0


# --- Concurrency ---------------------------------------------------------------------------------

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_sequential_replays_store_once():
    """The sequential counterpart of the threaded test, on every database."""
    _bureau, (user, _) = make_people()
    key = uuid.uuid4()
    write = Writer(user, f"seq-{key}")
    results = [
        run_once(user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=write)
        for _ in range(THREADS)
    ]
    assert write.stored() == 1
    assert write.calls == 1
    assert len({(status, repr(body)) for status, body, _ in results}) == 1
    assert [replayed for *_, replayed in results].count(False) == 1
    assert IdempotencyKey.objects.filter(user=user, key=key).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_store_once():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite's in-memory test database is private to each connection, "
            "so threads would not share it (and SQLite serialises writers anyway)"
        )
    _bureau, (user, _) = make_people()
    key = uuid.uuid4()
    write = Writer(user, f"race-{key}", delay=0.2)
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, dict, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit():
        try:
            barrier.wait(timeout=30)
            result = run_once(
                user=user, key=key, endpoint=ENDPOINT, payload=payload(), create=write
            )
            with lock:
                results.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(results) == THREADS
    assert write.stored() == 1
    assert write.calls == 1
    assert len({(status, repr(body)) for status, body, _ in results}) == 1
    assert [replayed for *_, replayed in results].count(False) == 1
    assert IdempotencyKey.objects.filter(user=user, key=key).count() == 1


# --- Reading the key -----------------------------------------------------------------------------

KEY = uuid.UUID("6f1c1a52-1d0c-4c33-9a76-6b5c2f1d9a10")


def post(key: str | None = None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return RequestFactory().post("/api/x", headers=headers)


def field_codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def test_parse_key_reads_a_uuid_header():
    assert idempotency.parse_key(post(str(KEY))) == KEY
    assert idempotency.parse_key(post(str(KEY).upper())) == KEY
    assert idempotency.parse_key(post(f" {KEY} ")) == KEY
    assert idempotency.parse_key(post()) is None
    assert idempotency.parse_key(post("")) is None


@pytest.mark.parametrize(
    "raw",
    ["abc", "6f1c1a52-1d0c-4c33-9a76", str(KEY) + "0", "x" * 200, str(uuid.UUID(int=0))],
    ids=["word", "short", "long", "huge", "nil"],
)
def test_parse_key_refuses_what_is_not_a_uuid(raw):
    with pytest.raises(ValidationError) as err:
        idempotency.parse_key(post(raw))
    assert field_codes(err.value) == {"Idempotency-Key": ["invalid"]}


def test_body_or_key_takes_the_header_else_client_uuid():
    other = uuid.uuid4()
    assert idempotency.body_or_key(post(str(KEY)), {}) == (KEY, "Idempotency-Key")
    assert idempotency.body_or_key(post(), {"client_uuid": str(KEY)}) == (KEY, "client_uuid")
    assert idempotency.body_or_key(post(), {"client_uuid": KEY}) == (KEY, "client_uuid")
    # A schema object works like a mapping.
    data = type("Data", (), {"client_uuid": KEY})()
    assert idempotency.body_or_key(post(), data) == (KEY, "client_uuid")
    # Both, equal: the header.
    assert idempotency.body_or_key(post(str(KEY)), {"client_uuid": KEY})[0] == KEY
    assert idempotency.body_or_key(post(), {}) == (None, "Idempotency-Key")
    with pytest.raises(ValidationError) as err:
        idempotency.body_or_key(post(str(KEY)), {"client_uuid": other})
    assert field_codes(err.value) == {"Idempotency-Key": ["idempotency_mismatch"]}
    with pytest.raises(ValidationError) as err:
        idempotency.body_or_key(post(), {"client_uuid": "nope"})
    assert field_codes(err.value) == {"client_uuid": ["invalid"]}
    with pytest.raises(ValidationError) as err:
        idempotency.body_or_key(post(), {}, required=True)
    assert field_codes(err.value) == {"Idempotency-Key": ["required"]}


# --- Through the API's error handlers ------------------------------------------------------------


@pytest.fixture
def api_client(people):
    """A throwaway API with the project's error handlers and one keyed write."""
    _bureau, (user, _) = people
    api = NinjaAPI(urls_namespace="test_idempotency")
    install_error_handlers(api)

    @api.post("/notes")
    def create_note(request):
        data = dict(request.GET.items())
        key, field = idempotency.body_or_key(request, data, required=True)
        status, body, _replayed = run_once(
            user=user,
            key=key,
            field=field,
            endpoint="notes.create",
            payload=data,
            create=Writer(user, f"api-{key}"),
        )
        return api.create_response(request, body, status=status)

    return TestClient(api)


def test_api_errors_have_the_project_shape(api_client):
    with translation.override("en"):
        bad = api_client.post("/notes", headers={"Idempotency-Key": "nope"})
        assert bad.status_code == 422
        assert bad.json()["errors"] == {"Idempotency-Key": [gettext("Enter a valid UUID.")]}
        headers = {"Idempotency-Key": str(KEY)}
        first = api_client.post("/notes?note=a", headers=headers)
        again = api_client.post("/notes?note=a", headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        conflict = api_client.post("/notes?note=b", headers=headers)
        assert conflict.status_code == 422
        assert conflict.json()["errors"] == {"Idempotency-Key": [CONFLICT]}
        via_body = api_client.post(f"/notes?note=b&client_uuid={KEY}")
        assert via_body.json()["errors"] == {"client_uuid": [CONFLICT]}
    with translation.override("zh-hans"):
        conflict = api_client.post("/notes?note=b", headers=headers)
        assert conflict.json()["errors"]["Idempotency-Key"] == [gettext(CONFLICT)]


# --- Retention -----------------------------------------------------------------------------------


def test_purge_deletes_keys_older_than_the_retention(people):
    _bureau, (user, _) = people
    keys = [uuid.uuid4() for _ in range(3)]
    for n, key in enumerate(keys):
        run_once(user=user, key=key, endpoint=ENDPOINT, payload={}, create=Writer(user, f"p{n}"))
    now = timezone.now()
    IdempotencyKey.objects.filter(key=keys[0]).update(created_at=now - dt.timedelta(days=40))
    IdempotencyKey.objects.filter(key=keys[1]).update(created_at=now - dt.timedelta(days=10))
    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert out.getvalue().startswith("1 idempotency keys")
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == set(keys[1:])
    out = StringIO()
    call_command("purge_idempotency_keys", "--days", "7", stdout=out)
    assert out.getvalue().startswith("1 idempotency keys")
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [keys[2]]
    with pytest.raises(CommandError):
        call_command("purge_idempotency_keys", "--days", "0")


def test_the_unique_constraint_is_in_the_database(people):
    _bureau, (user, _) = people
    row = {"bureau_id": user.bureau_id, "user": user, "key": KEY, "endpoint": "x"}
    IdempotencyKey.objects.create(**row, request_hash="a" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyKey.objects.create(**row, request_hash="b" * 64)
