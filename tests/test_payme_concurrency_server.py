"""Concurrent Payme calls against a real server process on PostgreSQL: gunicorn
(config.wsgi) with 2 worker processes × 4 threads, so requests race across processes and
threads, each with its own database connection. The fees are seeded and inspected in a
separate process with the server's environment (tests/click_server_db.py)."""

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from paymeuz.protocol import authorization_header
from paymeuz.simulator import payme_transaction_id
from tests import click_server_db
from tests.payme import FEE_TIYIN, KEY, now_ms
from tests.procs import Server, server_env, url_of_test_database

pytestmark = [pytest.mark.postgres, pytest.mark.server, pytest.mark.django_db(transaction=True)]

URL = "/api/auctions/payme/"
DUPLICATES = 12
ROUNDS = 3
CLIENTS = 8
PAIRS = 64
HEADERS = {"Authorization": authorization_header(KEY), "Content-Type": "text/json; charset=UTF-8"}


@pytest.fixture
def server():
    env = server_env(url_of_test_database())  # the test database, flushed after the server has stopped
    server = Server(env, workers=2, threads=4)
    try:
        yield env, server.url
    finally:
        server.stop()


def _body(method: str, params: dict, request_id: int = 1) -> bytes:
    return json.dumps({"method": method, "params": params, "id": request_id}).encode()


def _post(client: httpx.Client, method: str, params: dict) -> dict:
    response = client.post(URL, content=_body(method, params), headers=HEADERS)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    return response.json()


def _create(client: httpx.Client, order_id: str) -> str:
    tid = payme_transaction_id()
    params = {"id": tid, "time": now_ms(), "amount": FEE_TIYIN, "account": {"order_id": order_id}}
    answer = _post(client, "CreateTransaction", params)
    assert answer["result"]["state"] == 1, answer
    return tid


def test_identical_performs_across_processes_answer_alike_and_pay_once(server):
    env, url = server
    fees = click_server_db.run(env, "seed", str(ROUNDS))
    assert isinstance(fees, list)
    with httpx.Client(base_url=url, timeout=60) as client:
        for fee in fees:
            tid = _create(client, fee["merchant_trans_id"])
            body = _body("PerformTransaction", {"id": tid}, 3)
            barrier = threading.Barrier(DUPLICATES)

            def send(barrier: threading.Barrier = barrier, body: bytes = body) -> bytes:
                with httpx.Client(base_url=url, timeout=60) as own:
                    barrier.wait(timeout=30)
                    response = own.post(URL, content=body, headers=HEADERS)
                assert response.status_code == 200
                return response.content

            with ThreadPoolExecutor(max_workers=DUPLICATES) as pool:
                answers = list(pool.map(lambda _: send(), range(DUPLICATES)))
            assert len(set(answers)) == 1, Counter(answers)
            assert json.loads(answers[0])["result"]["state"] == 2
    state = click_server_db.run(env, "state")
    assert isinstance(state, dict)
    for fee in fees:
        outcome = state[fee["merchant_trans_id"]]
        assert outcome["status"] == "completed" and outcome["auction_paid"] is True
        assert outcome["attempts"] == 1 and len(outcome["completed_attempts"]) == 1
        assert outcome["paid_events"] == 1
    print(f"\n{ROUNDS}×{DUPLICATES} identical Performs over gunicorn: one payment each, identical answers")


def test_clients_paying_different_fees_at_once_all_pay(server):
    env, url = server
    fees = click_server_db.run(env, "seed", str(PAIRS))
    assert isinstance(fees, list)
    queue = iter(fees)
    lock = threading.Lock()
    results: list[tuple[str, dict]] = []
    barrier = threading.Barrier(CLIENTS)

    def client_loop() -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            barrier.wait(timeout=30)
            while True:
                with lock:
                    fee = next(queue, None)
                if fee is None:
                    return
                tid = _create(client, fee["merchant_trans_id"])
                performed = _post(client, "PerformTransaction", {"id": tid})
                with lock:
                    results.append((fee["merchant_trans_id"], performed))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for future in [pool.submit(client_loop) for _ in range(CLIENTS)]:
            future.result()
    wall = time.monotonic() - started
    print(f"\n{CLIENTS} clients: {len(results)} Create+Perform pairs in {wall:.1f}s")
    assert len(results) == PAIRS
    assert all(answer.get("result", {}).get("state") == 2 for _, answer in results), results
    state = click_server_db.run(env, "state")
    assert isinstance(state, dict)
    for order_id, _ in results:
        assert state[order_id]["status"] == "completed" and state[order_id]["paid_events"] == 1
