"""The unit of work runs again after a deadlock or serialization failure (web.py,
db.retrying), and answers 503 with Retry-After, never 500, when that keeps happening.

A tiny app with the API's route class and error handlers, and a stand-in session: no
database is needed to see what is rolled back, committed and run again. The real
deadlock, between two PostgreSQL connections, is in tests/invoices/test_deadlocks.py.
"""

from __future__ import annotations

from typing import Any

import psycopg.errors
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError

from revledger import db
from revledger.kit.sql import is_retryable
from revledger.problems import install_error_handlers
from revledger.web import JSONOut, UnitOfWorkRoute

DEADLOCK = OperationalError("UPDATE …", {}, psycopg.errors.DeadlockDetected("deadlock detected"))
SERIALIZATION = OperationalError("UPDATE …", {}, psycopg.errors.SerializationFailure("could not"))


class FakeSession:
    def __init__(self, fail_commits: int = 0) -> None:
        self.log: list[str] = []
        self.fail_commits = fail_commits

    def commit(self) -> None:
        self.log.append("commit")
        if self.fail_commits:
            self.fail_commits -= 1
            raise DEADLOCK

    def rollback(self) -> None:
        self.log.append("rollback")

    def close(self) -> None:
        self.log.append("close")


class Harness:
    """An app whose one POST route fails with `errors` (in turn, then succeeds) and
    writes through the request's session."""

    def __init__(self, errors: list[BaseException], fail_commits: int = 0) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.session = FakeSession(fail_commits)
        router = APIRouter(route_class=UnitOfWorkRoute)

        @router.post("/work")
        def work(request: Request) -> JSONOut:
            self.calls += 1
            request.state.session = self.session  # as web.request_session does
            self.session.log.append("write")
            if self.errors:
                raise self.errors.pop(0)
            return JSONOut({"calls": self.calls})

        app = FastAPI()
        install_error_handlers(app)
        app.include_router(router)
        self.http = TestClient(app, raise_server_exceptions=False)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "RETRY_BACKOFF_S", 0.0)


def test_a_deadlock_is_rolled_back_and_the_handler_runs_again() -> None:
    harness = Harness([DEADLOCK, SERIALIZATION])
    response = harness.http.post("/work")
    assert response.status_code == 200, response.text
    assert response.json() == {"calls": 3}
    assert harness.session.log == [
        *("write", "rollback") * 2,
        "write",
        "commit",
        "close",
    ]


def test_a_deadlock_at_commit_runs_the_handler_again() -> None:
    harness = Harness([], fail_commits=1)
    response = harness.http.post("/work")
    assert response.status_code == 200, response.text
    assert harness.session.log == ["write", "commit", "rollback", "write", "commit", "close"]


def test_a_deadlock_that_keeps_happening_is_a_503_with_retry_after() -> None:
    harness = Harness([DEADLOCK] * 10)
    response = harness.http.post("/work")
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 503 and body["title"] == "Service Unavailable"
    assert "nothing was stored" in body["detail"]
    assert harness.calls == db.RETRY_ATTEMPTS
    assert harness.session.log[-2:] == ["rollback", "close"]
    assert "commit" not in harness.session.log


def test_other_errors_are_not_retried() -> None:
    lost = OperationalError("SELECT 1", {}, psycopg.errors.AdminShutdown("terminated"))
    harness = Harness([lost])
    response = harness.http.post("/work")
    assert response.status_code == 500
    assert harness.calls == 1
    assert harness.session.log == ["write", "rollback", "close"]


def test_is_retryable() -> None:
    assert is_retryable(DEADLOCK) and is_retryable(SERIALIZATION)
    assert is_retryable(psycopg.errors.DeadlockDetected("x"))
    wrapped = RuntimeError("while posting")
    wrapped.__cause__ = DEADLOCK
    assert is_retryable(wrapped)
    unique = IntegrityError("INSERT …", {}, psycopg.errors.UniqueViolation("dup"))
    assert not is_retryable(unique)
    assert not is_retryable(ValueError("no"))


def test_retrying_gives_up_with_the_last_error() -> None:
    calls: list[int] = []
    rollbacks: list[int] = []

    def work() -> Any:
        calls.append(1)
        raise DEADLOCK

    with pytest.raises(OperationalError):
        db.retrying(work, lambda: rollbacks.append(1), "test", attempts=3)
    assert len(calls) == 3 and len(rollbacks) == 2
