"""The kept PostgreSQL connection's health check (core/postgresql/base.py): while the connection is
sound it costs no round trip; a connection the server has closed is replaced before a request uses
it, so the request does not fail."""

import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_postgresql
from psycopg import pq

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kept():
    """A second connection to the test database, as a web worker's thread keeps one."""
    db = connections.create_connection("default")
    db.ensure_connection()
    yield db
    db.close()


def _sent(db, tmp_path: Path, check) -> str:  # type: ignore[no-untyped-def]
    """What libpq sent and received while `check` ran (its protocol trace)."""
    trace = tmp_path / "libpq.trace"
    with trace.open("w") as out:
        db.connection.pgconn.trace(out.fileno())
        db.connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            check()
        finally:
            db.connection.pgconn.untrace()
    return trace.read_text()


def test_a_sound_kept_connection_is_checked_without_a_round_trip(kept, tmp_path):
    assert kept.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert kept.settings_dict["ENGINE"] == "core.postgresql"
    with kept.cursor() as cursor:  # a request used it
        cursor.execute("SELECT 1")
    kept.close_if_unusable_or_obsolete()  # the request ended; the next one checks it again
    raw = kept.connection

    assert _sent(kept, tmp_path, kept.close_if_health_check_failed) == ""
    assert kept.health_check_done and kept.connection is raw  # checked, found sound, kept

    # The trace is not blind: Django's own check sends a query.
    assert 'Query\t "SELECT 1"' in _sent(kept, tmp_path, lambda: django_postgresql.DatabaseWrapper.is_usable(kept))


def test_a_connection_the_server_closed_is_replaced_before_the_request_uses_it(kept):
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (first,) = cursor.fetchone()
    kept.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:  # a restart, an operator, idle_session_timeout: the server hangs up
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
        for _ in range(200):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [first])
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.01)
    assert kept.is_usable() is False

    with kept.cursor() as cursor:  # the next request: a new connection, no error
        cursor.execute("SELECT pg_backend_pid()")
        (second,) = cursor.fetchone()
    assert second != first


def test_inside_a_transaction_the_check_asks_the_server(kept, tmp_path):
    """Mid-transaction a socket with nothing to read proves less (the server may be waiting on us):
    the round trip decides, as in Django's backend."""
    kept.set_autocommit(False)
    with kept.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert "SELECT 1" in _sent(kept, tmp_path, kept.is_usable)
    kept.rollback()
    kept.set_autocommit(True)
