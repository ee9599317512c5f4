"""Twenty phones replaying the same visit at once (one Idempotency-Key) store one visit, count
it once and all get the same answer. PostgreSQL only: the threads need a shared database."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections
from django.test import Client

from cunjing.accounts import services as account_services
from cunjing.core.models import AuditEvent
from cunjing.fieldwork.models import HouseholdVisit
from cunjing.stats.models import DailyCount
from tests.county import build_county
from tests.fieldwork.bodies import bodies

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_of_one_visit_store_one_row():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite's in-memory test database is private to each connection, "
            "so threads would not share it (and SQLite serialises writers anyway)"
        )
    county = build_county(code="410495", prefix="c-")
    beat = county.user("beat")
    body = bodies(county.areas["own"].pk)["visits"]
    key = str(uuid.uuid4())
    tokens = [account_services.token_issue(user=beat)[0] for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, dict]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit(token: str) -> None:
        try:
            client = Client()
            barrier.wait(timeout=30)
            response = client.post(
                "/api/fieldwork/visits",
                data=body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            )
            with lock:
                results.append((response.status_code, response.json()))
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(results) == THREADS
    # Each replay's INSERT of the key waits for the first transaction, then reads its answer.
    answers = {(status, repr(body)) for status, body in results}
    assert len(answers) == 1
    assert next(iter(answers))[0] == 201
    assert HouseholdVisit.objects.filter(bureau=county.bureau).count() == 1
    assert (
        AuditEvent.objects.filter(bureau=county.bureau, action="fieldwork.visit.create").count()
        == 1
    )
    visits = DailyCount.objects.get(
        bureau=county.bureau, unit=county.units["bureau"], figure="visits"
    )
    assert visits.value == 1
