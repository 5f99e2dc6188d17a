"""A fake Click Merchant API over real local HTTP (a threaded http.server).

It checks the `Auth` header exactly as Click does (merchant user id, sha1 of
timestamp + secret, 10-digit timestamp), serves the calls of shop-api.md §8
from in-memory state the test sets up, and records every request.
"""

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakePayment:
    payment_id: int
    merchant_trans_id: str
    created_on: str  # YYYY-MM-DD
    payment_status: int = 2
    reversal_error: tuple[int, str] | None = None  # Click refuses the reversal with this
    reversed: bool = False


@dataclass
class FakeInvoice:
    invoice_id: int
    merchant_trans_id: str
    phone_number: str
    amount: Any
    invoice_status: int = 0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeClickMerchant:
    service_id: str
    merchant_user_id: str
    secret_key: str
    payments: dict[int, FakePayment] = field(default_factory=dict)
    invoices: dict[int, FakeInvoice] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    # Answer this many requests with HTTP 503 first (a flaky Click).
    fail_next: int = 0
    invoice_error: tuple[int, str] | None = None
    next_invoice_id: int = 700001
    # An Auth header older (or newer) than this is refused, as a replayed one would be.
    max_clock_skew: int = 300
    # Faults of a reversal (DELETE) after Click has handled it (or before, with reversal_applies=False):
    # answer only after this many seconds (past the client's timeout), answer with this HTTP status
    # (a 5xx), or close the connection without any answer.
    reversal_delay: float = 0.0
    reversal_http_status: int | None = None
    reversal_drop: bool = False
    reversal_applies: bool = True

    def add_payment(self, payment_id: int, merchant_trans_id: str, created_on: str, status: int = 2) -> FakePayment:
        self.payments[payment_id] = FakePayment(payment_id, merchant_trans_id, created_on, status)
        return self.payments[payment_id]

    def calls(self, method: str | None = None) -> list[Seen]:
        return [r for r in self.requests if method is None or r.method == method]

    # --- Routing ---------------------------------------------------------------

    def auth_ok(self, header: str | None) -> bool:
        parts = (header or "").split(":")
        if len(parts) != 3:
            return False
        user, digest, stamp = parts
        if not re.fullmatch(r"\d{10}", stamp) or abs(time.time() - int(stamp)) > self.max_clock_skew:
            return False
        expected = hashlib.sha1((stamp + self.secret_key).encode(), usedforsecurity=False).hexdigest()
        return user == self.merchant_user_id and digest == expected

    def answer(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        sid = re.escape(self.service_id)
        if method == "GET" and (m := re.fullmatch(rf"/payment/status/{sid}/(\d+)", path)):
            payment = self.payments.get(int(m[1]))
            if payment is None:
                return 200, {"error_code": -16, "error_note": "Payment not found"}
            return 200, {
                "error_code": 0,
                "error_note": "",
                "payment_id": payment.payment_id,
                "payment_status": payment.payment_status,
            }
        if method == "GET" and (m := re.fullmatch(rf"/payment/status_by_mti/{sid}/([^/]+)/(\d{{4}}-\d\d-\d\d)", path)):
            for payment in self.payments.values():
                if payment.merchant_trans_id == m[1] and payment.created_on == m[2]:
                    return 200, {"error_code": 0, "error_note": "", "payment_id": payment.payment_id}
            return 200, {"error_code": -16, "error_note": "Payment not found"}
        if method == "DELETE" and (m := re.fullmatch(rf"/payment/reversal/{sid}/(\d+)", path)):
            payment = self.payments.get(int(m[1]))
            if payment is None:
                return 200, {"error_code": -16, "error_note": "Payment not found"}
            if payment.reversal_error:
                code, note = payment.reversal_error
                return 200, {"error_code": code, "error_note": note}
            if payment.reversed:
                return 200, {"error_code": -4046, "error_note": "Payment already reversed"}
            if not self.reversal_applies:
                return 200, {"error_code": 0, "error_note": "", "payment_id": payment.payment_id}
            payment.reversed = True
            payment.payment_status = -99
            return 200, {"error_code": 0, "error_note": "", "payment_id": payment.payment_id}
        if method == "POST" and path == "/invoice/create":
            if not isinstance(body, dict) or str(body.get("service_id")) != self.service_id:
                return 200, {"error_code": -8, "error_note": "Bad request"}
            if self.invoice_error:
                return 200, {"error_code": self.invoice_error[0], "error_note": self.invoice_error[1]}
            invoice = FakeInvoice(self.next_invoice_id, body["merchant_trans_id"], body["phone_number"], body["amount"])
            self.invoices[invoice.invoice_id] = invoice
            self.next_invoice_id += 1
            return 200, {"error_code": 0, "error_note": "", "invoice_id": invoice.invoice_id}
        if method == "GET" and (m := re.fullmatch(rf"/invoice/status/{sid}/(\d+)", path)):
            found = self.invoices.get(int(m[1]))
            if found is None:
                return 200, {"error_code": -16, "error_note": "Invoice not found"}
            return 200, {
                "error_code": 0,
                "error_note": "",
                "invoice_status": found.invoice_status,
                "invoice_status_note": {2: "Paid", 0: "Created"}.get(found.invoice_status, "Cancelled"),
            }
        return 404, {"error_code": -404, "error_note": "No such method"}


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw, parse_float=Decimal) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        prefix = self.server.prefix
        path = self.path[len(prefix) :] if self.path.startswith(prefix) else self.path
        path = "/" + path.lstrip("/")
        fake.requests.append(Seen(self.command, path, dict(self.headers.items()), body))
        if fake.fail_next > 0:
            fake.fail_next -= 1
            status, payload = 503, {"error": "temporarily unavailable"}
        elif not fake.auth_ok(self.headers.get("Auth")):
            status, payload = 401, {"error_code": -401, "error_note": "Authorization failed"}
        else:
            status, payload = fake.answer(self.command, path, body)
            if self.command == "DELETE":
                if fake.reversal_delay:
                    time.sleep(fake.reversal_delay)
                if fake.reversal_drop:
                    self.close_connection = True  # no answer at all: the client sees the connection drop
                    return
                if fake.reversal_http_status:
                    status, payload = fake.reversal_http_status, {"error": "internal error"}
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting (a timeout under test)

    do_GET = do_POST = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeClickMerchant
    prefix: str


class FakeClickMerchantServer:
    """`with FakeClickMerchantServer(fake) as url:` serves the fake at url (…/v2/merchant/)."""

    PREFIX = "/v2/merchant"

    def __init__(self, fake: FakeClickMerchant) -> None:
        self.fake = fake
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.fake = fake
        self.httpd.prefix = self.PREFIX
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}{self.PREFIX}/"

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
