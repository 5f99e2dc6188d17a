"""The Click callback log cannot fill the disk (issue 10, items 4 and 6).

Anyone can post to the callback URLs: an unsigned or unparsable request keeps
its metadata and an excerpt of at most BODY_EXCERPT_BYTES; a signed one keeps
its whole body. The operator's probes are tagged, callback lines are logged at a
level that follows our answer, and old rows are pruned.
"""

import json
import logging
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from clickuz.models import BODY_EXCERPT_BYTES, ClickCallback
from clickuz.probe import PROBE_HEADER, probe_header_value
from clickuz.retention import callbacks_prune
from clickuz.tasks import click_callbacks_prune
from clickuz.views import ClickCallbackView
from tests.test_click_endpoints import COMPLETE_URL, FORM, PREPARE_URL, SECRET, complete_fields, encode, prepare_fields

pytestmark = pytest.mark.django_db

PADDING = 60 * 1024 - 1000  # a ~60 KB body: under the 64 KiB Click limit, far over the excerpt


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


def send(client: Client, url: str, body: bytes, content_type: str = FORM, **headers: str) -> dict:
    response = client.post(url, data=body, content_type=content_type, headers=headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return response.json()


def last_row() -> ClickCallback:
    return ClickCallback.objects.order_by("-id").first()


def padded(fields: dict[str, str], size: int) -> bytes:
    """`fields` as a form body of exactly `size` bytes, the padding in a field no signature covers."""
    body = urlencode(fields | {"padding": ""}).encode()
    return body + b"x" * (size - len(body))


def assert_excerpt_only(row: ClickCallback, body: bytes) -> None:
    assert row.body_bytes == len(body)
    assert row.body_truncated is True
    assert 0 < len(row.body.encode()) <= BODY_EXCERPT_BYTES
    # The start of the body (a UTF-8 character cut at the end of the excerpt becomes U+FFFD).
    assert body.decode(errors="replace").startswith(row.body.rstrip("\ufffd"))
    # Nothing else in the row grows with the body either.
    assert all(len(str(value).encode()) <= BODY_EXCERPT_BYTES for value in row.response.values())
    assert len(json.dumps(row.headers)) < 2 * BODY_EXCERPT_BYTES


# --- what is stored ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PREPARE_URL, COMPLETE_URL])
def test_an_unsigned_60_kb_body_keeps_an_excerpt_and_its_real_length(client, payment, url):
    fields = prepare_fields(payment.merchant_trans_id) | {"sign_string": "0" * 32}
    if url == COMPLETE_URL:
        fields |= {"action": "1", "merchant_prepare_id": "1"}
    body = padded(fields, 60 * 1024)
    answer = send(client, url, body)
    assert answer["error"] == -1
    row = last_row()
    assert_excerpt_only(row, body)
    assert row.body.startswith(urlencode(fields)[:100])
    assert (row.error, row.merchant_trans_id) == (-1, payment.merchant_trans_id)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{" + b'"a": "' + b"\xd0\x96" * 30_000 + b'"', "application/json"),  # cut JSON, Cyrillic
        (b"\xff\xfe" * 30_000, FORM),  # not UTF-8
        (b"<xml>" + b"A" * 60_000, "text/xml"),
    ],
    ids=["bad-json", "not-utf8", "xml"],
)
def test_an_unparsable_60_kb_body_keeps_an_excerpt_and_its_real_length(client, body, content_type):
    assert send(client, PREPARE_URL, body, content_type)["error"] == -8
    assert_excerpt_only(last_row(), body)


def test_unsigned_ids_of_any_length_are_cut_in_the_row_and_the_log_line(client, caplog):
    fields = prepare_fields("A" * 50_000, click_trans_id="9" * 5000) | {"sign_string": "0" * 32}
    with caplog.at_level(logging.DEBUG, logger="clickuz.callbacks"):
        answer = send(client, PREPARE_URL, urlencode(fields).encode(), **{"User-Agent": "U" * 8000})
    assert answer["error"] == -8  # merchant_trans_id is too long
    row = last_row()
    assert_excerpt_only(row, urlencode(fields).encode())
    assert len(row.merchant_trans_id) == 255 and len(row.click_trans_id) == 32
    assert len(row.headers["User-Agent"]) == 256
    [line] = [record for record in caplog.records if getattr(record, "event", None) == "click_callback"]
    assert len(line.getMessage()) < 1000


def test_a_body_over_64_kib_is_not_read_and_keeps_its_declared_length(client):
    body = b"a=" + b"x" * (100 * 1024)
    assert send(client, PREPARE_URL, body)["error"] == -8
    row = last_row()
    assert (row.body, row.body_bytes, row.body_truncated) == ("", len(body), True)


def test_a_signed_request_keeps_its_whole_body(client, payment):
    fields = prepare_fields(payment.merchant_trans_id)
    body = padded(fields, PADDING)
    answer = send(client, PREPARE_URL, body)
    assert answer["error"] == 0  # the padding field is not part of Click's signature
    row = last_row()
    assert (row.body, row.body_bytes, row.body_truncated) == (body.decode(), len(body), False)
    assert row.error == 0 and row.merchant_trans_id == payment.merchant_trans_id


def test_a_signed_request_refused_by_the_handler_keeps_its_whole_body(client):
    body = padded(prepare_fields("NOPE"), 5000)
    assert send(client, PREPARE_URL, body)["error"] == -5
    row = last_row()
    assert (row.body, row.body_bytes, row.body_truncated) == (body.decode(), 5000, False)


def test_a_signed_request_at_the_wrong_url_keeps_its_whole_body(client, payment):
    # The action is checked after the signature matched: it came from someone with our secret.
    # A Complete without its merchant_prepare_id is malformed (-8): never signature-checked, cut.
    body = padded(prepare_fields(payment.merchant_trans_id, action="1"), 5000)
    assert send(client, COMPLETE_URL, body)["error"] == -8
    assert last_row().body_truncated is True
    # A signed Prepare at the Complete URL (the cabinet's URLs swapped) is -3, and kept whole.
    for fields in (
        prepare_fields(payment.merchant_trans_id),
        prepare_fields(payment.merchant_trans_id, merchant_prepare_id="1"),
    ):
        body = padded(fields, 5000)
        assert send(client, COMPLETE_URL, body)["error"] == -3
        row = last_row()
        assert (row.error, row.body, row.body_truncated) == (-3, body.decode(), False)


def test_a_small_request_is_stored_whole_whether_signed_or_not(client, payment):
    for fields in (prepare_fields(payment.merchant_trans_id) | {"sign_string": "0" * 32}, {"a": "b"}):
        body = urlencode(fields).encode()
        send(client, PREPARE_URL, body)
        row = last_row()
        assert (row.body, row.body_bytes, row.body_truncated) == (body.decode(), len(body), False)


# --- the operator's probes ---------------------------------------------------------------------


def test_a_probe_is_tagged_and_logged_at_debug(client, payment, caplog):
    probe = probe_header_value(secret_key=SECRET)
    with caplog.at_level(logging.DEBUG, logger="clickuz.callbacks"):
        answer = send(client, PREPARE_URL, encode(prepare_fields("NOPE"))[0], **{PROBE_HEADER: probe})
    assert answer["error"] == -5
    assert last_row().is_probe is True
    [line] = [record for record in caplog.records if getattr(record, "event", None) == "click_callback"]
    assert line.levelno == logging.DEBUG and line.is_probe is True


@pytest.mark.parametrize(
    "header",
    [
        probe_header_value(secret_key="another-secret"),
        probe_header_value(secret_key=SECRET, now=time.time() - 3600),  # too old
        "1700000000.deadbeef",
        "garbage",
        None,
    ],
    ids=["wrong-secret", "stale", "wrong-mac", "garbage", "absent"],
)
def test_a_request_without_a_valid_probe_header_is_not_a_probe(client, caplog, header):
    headers = {PROBE_HEADER: header} if header else {}
    with caplog.at_level(logging.DEBUG, logger="clickuz.callbacks"):
        send(client, PREPARE_URL, encode(prepare_fields("NOPE"))[0], **headers)
    assert last_row().is_probe is False
    [line] = [record for record in caplog.records if getattr(record, "event", None) == "click_callback"]
    assert line.levelno == logging.WARNING  # -5, as for Click's own requests


# --- log levels ---------------------------------------------------------------------------------


def _callback_level(caplog) -> int:
    [line] = [record for record in caplog.records if getattr(record, "event", None) == "click_callback"]
    return line.levelno


def _database_down(self, click_request):
    raise DatabaseError("could not write")


@pytest.mark.parametrize(
    ("case", "code", "level"),
    [
        ("paid", 0, logging.INFO),
        ("unknown-order", -5, logging.WARNING),
        ("malformed", -8, logging.WARNING),
        ("bad-signature", -1, logging.ERROR),
        ("our-failure", -7, logging.ERROR),
    ],
)
def test_callback_line_level_follows_the_answer(client, payment, monkeypatch, caplog, case, code, level):
    fields = prepare_fields("NOPE" if case == "unknown-order" else payment.merchant_trans_id)
    if case == "bad-signature":
        fields["sign_string"] = "0" * 32
    if case == "malformed":
        del fields["amount"]
    if case == "our-failure":
        monkeypatch.setattr(ClickCallbackView, "_handle", _database_down)
    with caplog.at_level(logging.DEBUG, logger="clickuz.callbacks"):
        assert send(client, PREPARE_URL, encode(fields)[0])["error"] == code
    assert _callback_level(caplog) == level
    assert last_row().error == code


# --- retention ------------------------------------------------------------------------------------


def _row_aged(days: float, **extra) -> ClickCallback:
    row = ClickCallback.objects.create(stage="prepare", method="POST", **extra)
    ClickCallback.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days))
    return row


def test_prune_deletes_only_rows_past_the_retention(settings):
    settings.CLICK_CALLBACK_LOG_RETENTION_DAYS = 90
    old = [_row_aged(days) for days in (90.01, 91, 400)]
    kept = [_row_aged(days) for days in (89.99, 30, 0)]
    assert callbacks_prune() == len(old)
    assert set(ClickCallback.objects.values_list("pk", flat=True)) == {row.pk for row in kept}
    assert callbacks_prune() == 0


def test_prune_works_in_batches_and_takes_the_time_and_days_given(settings):
    settings.CLICK_CALLBACK_LOG_RETENTION_DAYS = 90
    rows = [_row_aged(days) for days in range(1, 12)]  # 1 … 11 days old
    assert callbacks_prune(days=5, batch_size=2) == 7  # 5 … 11 days, four batches
    assert ClickCallback.objects.count() == 4
    # Ten days from now the rest (1 … 4 days old today) are past a 10-day retention.
    assert callbacks_prune(now=timezone.now() + timedelta(days=10), days=10, batch_size=3) == 4
    assert not ClickCallback.objects.filter(pk__in=[row.pk for row in rows]).exists()


def test_zero_days_keeps_everything(settings):
    settings.CLICK_CALLBACK_LOG_RETENTION_DAYS = 0
    _row_aged(1000)
    assert callbacks_prune() == 0 and ClickCallback.objects.count() == 1


def test_prune_command_and_task(settings, capsys):
    settings.CLICK_CALLBACK_LOG_RETENTION_DAYS = 30
    for days in (31, 20, 10):
        _row_aged(days)
    call_command("click_callbacks_prune")
    assert "deleted 1 " in capsys.readouterr().out
    call_command("click_callbacks_prune", "--days", "15")
    assert "deleted 1 " in capsys.readouterr().out
    _row_aged(45)
    assert click_callbacks_prune.apply().get() == 1
    assert ClickCallback.objects.count() == 1


def test_the_daily_prune_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["click-callbacks-prune"]
    assert entry["task"] == click_callbacks_prune.name
    assert entry["schedule"] == 24 * 3600


# --- what waits for the disk ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_the_log_skips_the_flush_the_payment_and_the_next_request_wait_for_it(client, payment, monkeypatch):
    """The log's own writes commit without waiting for PostgreSQL's WAL flush; the fee's
    transactions (Prepare's attempt, Complete's payment) still wait for it, and the connection
    goes back to waiting for it before the next request uses it."""
    from django.db import connection

    import fees_click.adapter as adapter

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's synchronous_commit")
    seen: list[str] = []
    for name in ("fee_prepare", "fee_complete"):
        original = getattr(adapter, name)
        monkeypatch.setattr(
            adapter, name, lambda _original=original, **kwargs: seen.append(setting()) or _original(**kwargs)
        )
    fields = prepare_fields(payment.merchant_trans_id)
    prepared = send(client, PREPARE_URL, *encode(fields))
    assert prepared["error"] == 0 and setting() == "on"
    completed = send(
        client,
        COMPLETE_URL,
        *encode(
            complete_fields(
                payment.merchant_trans_id,
                click_trans_id=fields["click_trans_id"],
                merchant_prepare_id=prepared["merchant_prepare_id"],
            )
        ),
    )
    assert completed["error"] == 0 and setting() == "on"
    assert seen == ["on", "on"]
    assert list(ClickCallback.objects.order_by("id").values_list("error", flat=True)) == [0, 0]


@pytest.mark.django_db(transaction=True)
def test_each_log_write_is_one_statement_and_stores_what_the_orm_would(client, payment):
    """On PostgreSQL outside a transaction (as in production) the row and our answer are each one
    statement that skips the flush in its own WHERE (clickuz.callback_log), with no SET before or
    RESET after; the row holds exactly what the ORM stores for the same request inside a
    transaction, where the log writes through the ORM."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the one-statement writes are PostgreSQL's")
    prepared = prepare_fields(payment.merchant_trans_id)
    requests = [
        # signed and paid for: the whole body goes in with the answer
        (PREPARE_URL, padded(prepared, 5000), FORM, {"User-Agent": "Click/1.0"}),
        # signed, refused by the handler
        (COMPLETE_URL, encode(complete_fields("NOPE", click_trans_id="7", merchant_prepare_id=1))[0], FORM, {}),
        # unsigned, with bytes that are not UTF-8 and a NUL
        (PREPARE_URL, b"merchant_trans_id=\x00x&amount=\xff" + b"y" * 3000, FORM, {"X-Forwarded-For": "10.0.0.1"}),
        # unparsable
        (COMPLETE_URL, b"{not json", "application/json", {}),
    ]
    differ = ("id", "created_at", "duration_ms")
    compared = [f.name for f in ClickCallback._meta.concrete_fields if f.name not in differ]
    for url, body, content_type, headers in requests:
        with CaptureQueriesContext(connection) as queries:
            raw_answer = send(client, url, body, content_type, **headers)
        log_writes = [q["sql"] for q in queries.captured_queries if "clickuz_clickcallback" in q["sql"]]
        assert len(log_writes) == 2
        assert all("set_config('synchronous_commit', 'off', true)" in sql for sql in log_writes)
        assert not any(q["sql"].split()[0] in ("SET", "RESET") for q in queries.captured_queries)
        raw = last_row()
        assert raw.created_at is not None and raw.created_at.tzinfo is not None and raw.duration_ms > 0
        with transaction.atomic():
            assert send(client, url, body, content_type, **headers) == raw_answer
            orm = last_row()
        assert orm.pk != raw.pk
        assert {name: getattr(raw, name) for name in compared} == {name: getattr(orm, name) for name in compared}
