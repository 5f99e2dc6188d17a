"""Concurrent Click callbacks against a real server process, on SQLite and on PostgreSQL.

The embedded default (SQLite, `make run`) must answer concurrent duplicates the way
production does, never -7 ("database is locked"): Click would retry, then hand the
payment to manual investigation. The server is gunicorn (config.wsgi) with 2 worker
processes × 4 threads, so requests race across processes and threads, each with its
own database connection:

- sqlite: a migrated SQLite file of the test's own, without Redis (as `make run`);
  it runs wherever the suite runs, on PostgreSQL CI too;
- postgres: the PostgreSQL test database.

The fees are seeded and inspected in a separate process with the server's
environment (tests/click_server_db.py), the same way for both kinds.
"""

import itertools
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from clickuz.protocol import Action
from clickuz.simulator import callback_fields_signed
from tests import click_server_db
from tests.procs import ROOT, Server, server_env, url_of_test_database

SERVICE_ID = "12345"
SECRET = "test-click-secret"
PREPARE = "/api/auctions/click/prepare/"
COMPLETE = "/api/auctions/click/complete/"
DUPLICATES = 12
ROUNDS = 3  # 3 × 12 identical Completes, each round on a fee of its own
CLIENTS = 8
SECONDS = 3.0
MIN_PAIRS_PER_CLIENT = 5
DATABASE_LOCKED = -7

_click_ids = itertools.count(6_300_000_001)


class ClickServer:
    def __init__(self, kind: str, env: dict[str, str], server: Server) -> None:
        self.kind, self.env, self.server, self.url = kind, env, server, server.url

    def seed(self, count: int) -> list[dict[str, str]]:
        fees = click_server_db.run(self.env, "seed", str(count))
        assert isinstance(fees, list)
        return fees

    def state(self) -> dict[str, dict]:
        state = click_server_db.run(self.env, "state")
        assert isinstance(state, dict)
        return state


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, made once; each test serves a copy of its own."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    env = server_env(f"sqlite:///{path}", REDIS_URL="")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
    return path


# The marker, not a fixture requested on the fly: pytest-django creates only the test databases
# that the collected tests' markers and fixtures ask for.
POSTGRES = pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.django_db(transaction=True)])


@pytest.fixture(params=["sqlite", POSTGRES])
def click_server(request, tmp_path: Path):
    if request.param == "postgres":
        env = server_env(url_of_test_database())  # the test database, flushed after the server has stopped
    else:
        # The embedded default: a SQLite file and no Redis (local-memory cache, in-memory channel layer).
        path = tmp_path / "kb.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        env = server_env(f"sqlite:///{path}", REDIS_URL="")
    server = Server(env, workers=2, threads=4)
    try:
        yield ClickServer(request.param, env, server)
    finally:
        server.stop()


def _signed(fee: dict[str, str], click_trans_id: str, merchant_prepare_id: object = None) -> dict[str, str]:
    return callback_fields_signed(
        action=Action.PREPARE if merchant_prepare_id is None else Action.COMPLETE,
        click_trans_id=click_trans_id,
        service_id=SERVICE_ID,
        secret_key=SECRET,
        merchant_trans_id=fee["merchant_trans_id"],
        amount=fee["amount"],
        paydoc_id="7770003",
        merchant_prepare_id=None if merchant_prepare_id is None else str(merchant_prepare_id),
    )


def _answer(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("application/json"), response.text[:500]
    return response.json()


def _prepare(client: httpx.Client, fee: dict[str, str]) -> tuple[dict[str, str], dict]:
    fields = _signed(fee, str(next(_click_ids)))
    return fields, _answer(client.post(PREPARE, data=fields))


def test_identical_completes_at_once_answer_alike_and_pay_once(click_server):
    fees = click_server.seed(ROUNDS)
    answers_by_fee: dict[str, list[dict]] = {}
    confirm_ids = {}
    with httpx.Client(base_url=click_server.url, timeout=60) as client:
        for fee in fees:
            prepared, prepare_answer = _prepare(client, fee)
            assert prepare_answer["error"] == 0, prepare_answer
            complete = _signed(fee, prepared["click_trans_id"], prepare_answer["merchant_prepare_id"])
            barrier = threading.Barrier(DUPLICATES)

            def send(fields: dict[str, str], barrier: threading.Barrier = barrier) -> dict:
                with httpx.Client(base_url=click_server.url, timeout=60) as own:
                    barrier.wait(timeout=30)
                    return _answer(own.post(COMPLETE, data=fields))

            with ThreadPoolExecutor(max_workers=DUPLICATES) as pool:
                answers_by_fee[fee["merchant_trans_id"]] = list(pool.map(send, [complete] * DUPLICATES))
            confirm_ids[fee["merchant_trans_id"]] = (prepare_answer["merchant_prepare_id"], prepared["click_trans_id"])

    codes = Counter(a["error"] for answers in answers_by_fee.values() for a in answers)
    print(f"\n[{click_server.kind}] {ROUNDS}×{DUPLICATES} identical Completes: answers {dict(sorted(codes.items()))}")
    assert codes[DATABASE_LOCKED] == 0, f"{codes[DATABASE_LOCKED]} of {ROUNDS * DUPLICATES} answered -7"
    state = click_server.state()
    for merchant_trans_id, answers in answers_by_fee.items():
        prepare_id, click_trans_id = confirm_ids[merchant_trans_id]
        # The same request gets the same answer, whichever copy won (shop-api.md §6): as on PostgreSQL.
        assert all(answer == answers[0] for answer in answers), answers
        assert answers[0]["error"] == 0
        assert answers[0]["merchant_confirm_id"] == prepare_id
        assert answers[0]["click_trans_id"] == int(click_trans_id)
        outcome = state[merchant_trans_id]
        assert outcome["status"] == "completed" and outcome["completed_at"]
        assert outcome["auction_paid"] is True and outcome["auction_status"] == "scheduled"
        assert outcome["attempts"] == 1 and outcome["completed_attempts"] == [prepare_id]
        assert outcome["paid_events"] == 1
        assert outcome["callback_errors"] == [0] * (1 + DUPLICATES)  # the Prepare and every Complete, logged


def test_clients_paying_different_fees_at_once_never_get_minus_7(click_server):
    fees = click_server.seed(240)
    queue = iter(fees)
    lock = threading.Lock()
    pairs: list[tuple[dict[str, str], dict, dict]] = []
    barrier = threading.Barrier(CLIENTS)

    def client_loop() -> None:
        with httpx.Client(base_url=click_server.url, timeout=60) as client:
            barrier.wait(timeout=30)
            deadline = time.monotonic() + SECONDS
            done = 0
            # A few seconds, and at least a few pairs each however slow the machine is.
            while time.monotonic() < deadline or done < MIN_PAIRS_PER_CLIENT:
                with lock:
                    fee = next(queue, None)
                if fee is None:
                    return
                prepared, prepare_answer = _prepare(client, fee)
                complete = _signed(fee, prepared["click_trans_id"], prepare_answer.get("merchant_prepare_id"))
                complete_answer = _answer(client.post(COMPLETE, data=complete))
                with lock:
                    pairs.append((fee, prepare_answer, complete_answer))
                done += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for future in [pool.submit(client_loop) for _ in range(CLIENTS)]:
            future.result()
    wall = time.monotonic() - started

    codes = Counter(answer["error"] for _fee, *answers in pairs for answer in answers)
    failed = sum(1 for _fee, p, c in pairs if (p["error"], c["error"]) != (0, 0))
    print(
        f"\n[{click_server.kind}] {CLIENTS} clients, {wall:.1f} s: {len(pairs)} Prepare+Complete pairs,"
        f" {failed} failed, answers {dict(sorted(codes.items()))}"
    )
    assert len(pairs) >= CLIENTS * MIN_PAIRS_PER_CLIENT
    assert codes[DATABASE_LOCKED] == 0, f"{codes[DATABASE_LOCKED]} answers were -7"
    assert failed == 0
    state = click_server.state()
    used = {fee["merchant_trans_id"]: complete for fee, _prepared, complete in pairs}
    for merchant_trans_id, outcome in state.items():
        if merchant_trans_id in used:
            assert outcome["status"] == "completed" and outcome["auction_paid"] is True
            assert outcome["completed_attempts"] == [used[merchant_trans_id]["merchant_confirm_id"]]
            assert outcome["paid_events"] == 1
        else:  # never sent: untouched
            assert outcome["status"] == "pending" and outcome["attempts"] == 0 and outcome["paid_events"] == 0
    assert sum(o["status"] == "completed" for o in state.values()) == len(used)
