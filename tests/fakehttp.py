"""A real local HTTP server for fakes of external services (Telegram, Eskiz)."""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


Handler = Callable[[Request], tuple[int, Any]]


@dataclass
class FakeServer:
    url: str
    requests: list[Request] = field(default_factory=list)


@contextmanager
def fake_http_server(handler: Handler) -> Iterator[FakeServer]:
    """Serve `handler(request) -> (status, json body)` on 127.0.0.1, on a free port."""
    server_state: dict[str, FakeServer] = {}

    class _Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(self.command, self.path, dict(self.headers), self.rfile.read(length))
            server_state["s"].requests.append(request)
            status, body = handler(request)
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server_state["s"] = FakeServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state["s"]
    finally:
        httpd.shutdown()
        httpd.server_close()
