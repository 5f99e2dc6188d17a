#!/usr/bin/env python
"""Benchmark: time and peak memory of photo uploads on the listing form, over HTTP.

    .venv/bin/python bench/uploads.py [--repeat 3] [--root /path/to/another/checkout]

Production settings (DEBUG=0, PostgreSQL, Redis), served by gunicorn with the shipped config
(deploy/gunicorn.conf.py: uvicorn workers, ASGI) and ONE worker, so every figure is that worker's.
For each scenario (--repeat requests): the wall time seen by the client (median and max) and the
worker's peak RSS over the requests (Linux: /proc/<pid>/clear_refs resets VmHWM before them,
VmHWM is read after them), as the growth over the RSS before them and as an absolute figure.
Every scenario gets a fresh server (a worker that has not grown yet). The trivial view
/bench/ping/ is measured in the same run.

The hourly per-seller limits are turned off here (LISTINGS_PER_USER_HOURLY=0,
PHOTOS_PER_USER_HOURLY=0): this measures the decoding path, not the limiter.
`--root` serves another checkout's code (e.g. the main branch before the fix); that checkout also
migrates and seeds the database.

Creates (and drops) its own database (default kb_bench_uploads on 127.0.0.1:5432).
Not a test: it prints figures.
"""

import argparse
import io
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/click.py ≠ click)

import httpx  # noqa: E402

from bench.common import BENCH_PASSWORD, ROOT, Server, bench_env, database_recreate, free_port  # noqa: E402

# Run by `manage.py shell` in the served checkout: a seller with a confirmed number, signed in.
SEED = f"""
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from listings.geo import geo_ensure
geo_ensure()
User = get_user_model()
extra = {{"phone_verified_at": timezone.now()}} if hasattr(User, "phone_verified_at") else {{}}
user = User.objects.create_user(phone="+998900000200", password="{BENCH_PASSWORD}", first_name="Продавец", **extra)
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value)
"""

FORM = {
    "title": "2-комнатная квартира",
    "region": "tashkent_city",
    "address": "ул. Навои, 1",
    "rooms": "2",
    "area": "60",
    "floor": "2",
    "floors_total": "9",
    "price": "700000000",
    "currency": "UZS",
    "market": "resale",
}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="requests per scenario")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="kb_bench_uploads")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8"))
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose code the server runs")
    parser.add_argument("--only", default="", help="run only scenarios whose name contains this")
    return parser.parse_args()


# --- Photos ---------------------------------------------------------------------------


def _png(width: int, height: int, mode: str = "RGBA") -> bytes:
    """A gradient: compresses to a small file yet decodes to width × height × bands bytes."""
    from PIL import Image

    band = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGBA", (band, band.transpose(Image.Transpose.ROTATE_90), band, band)).convert(mode)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _jpeg(width: int, height: int, *, noise_sigma: float = 24, quality: int = 85) -> bytes:
    """A phone-like photo: gradient plus sensor noise."""
    from PIL import Image

    band = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), noise_sigma)
    image = Image.merge("RGB", (Image.blend(band, noise, 0.3), noise, band.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def scenarios() -> list[tuple[str, list[tuple[str, bytes, str]]]]:
    attack = _png(6300, 6300)
    big_png = _png(2440, 2440)  # RGBA: 24 MB decoded, 42 MB with its RGB copy
    big_rgb = _png(3730, 3730, mode="RGB")  # 42 MB decoded
    phone = _jpeg(4000, 3000)
    huge_jpeg = _jpeg(6300, 6300, noise_sigma=6, quality=60)  # under 5 MB
    return [
        ("reported attack: 10 × PNG 6300×6300 RGBA", [(f"a{i}.png", attack, "image/png") for i in range(10)]),
        ("1 × PNG 6300×6300 RGBA", [("a.png", attack, "image/png")]),
        ("largest RGBA PNGs: 5 × 2440×2440", [(f"b{i}.png", big_png, "image/png") for i in range(5)]),
        ("largest RGB PNGs: 2 × 3730×3730", [(f"c{i}.png", big_rgb, "image/png") for i in range(2)]),
        ("over the pixel budget: 6 × PNG 2440×2440 RGBA", [(f"b{i}.png", big_png, "image/png") for i in range(6)]),
        ("phone photos: 10 × JPEG 4000×3000", [(f"p{i}.jpg", phone, "image/jpeg") for i in range(10)]),
        ("3 × JPEG 6300×6300 (40 MP each)", [(f"h{i}.jpg", huge_jpeg, "image/jpeg") for i in range(3)]),
        ("10 × JPEG 6300×6300 (40 MP each)", [(f"h{i}.jpg", huge_jpeg, "image/jpeg") for i in range(10)]),
    ]


# --- The worker's memory ------------------------------------------------------------------


def worker_pid(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("no gunicorn worker")


def _status_kb(pid: int, field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    assert match, field
    return int(match.group(1))


def peak_reset(pid: int) -> int:
    """Reset the peak RSS to the current RSS; returns the current RSS in kB."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status_kb(pid, "VmRSS")


def peak(pid: int) -> int:
    return _status_kb(pid, "VmHWM")


# --- Requests ------------------------------------------------------------------------------


class Seller:
    """A signed-in seller over plain HTTP (DEBUG=0 marks the cookies Secure, so they go as a header)."""

    def __init__(self, base: str, session: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=120)
        self.session = session
        page = self.client.get("/listings/new/", headers={"Cookie": f"sessionid={session}"})
        assert page.status_code == 200, page.status_code
        self.csrf = page.cookies.get("csrftoken") or re.search(r"csrftoken=([^;]+)", page.headers["set-cookie"])[1]
        self.form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]

    def upload(self, photos: list[tuple[str, bytes, str]]) -> tuple[int, float, str]:
        files = [("photos", (name, data, kind)) for name, data, kind in photos]
        started = time.perf_counter()
        response = self.client.post(
            "/listings/new/",
            data=FORM | {"csrfmiddlewaretoken": self.form_token},
            files=files,
            headers={"Cookie": f"sessionid={self.session}; csrftoken={self.csrf}"},
        )
        wall = time.perf_counter() - started
        errors = re.findall(r'class="(?:errorlist|form-errors)[^>]*>\s*<(?:li|div)>([^<]+)<', response.text)
        outcome = "saved" if response.status_code == 302 else (errors[0] if errors else f"HTTP {response.status_code}")
        return response.status_code, wall, outcome


def main() -> int:
    args = parse()
    env = bench_env(
        f"{args.server}/{args.database}",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        REDIS_URL=args.redis,
        CELERY_BROKER_URL=args.redis,
        LISTINGS_PER_USER_HOURLY="0",
        PHOTOS_PER_USER_HOURLY="0",
        MEDIA_ROOT=str(Path("/tmp") / f"{args.database}-media"),  # noqa: S108 (a throwaway benchmark)
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESS_LOG="/dev/null",
        CLICK_SANDBOX="0",
        SITE_URL="https://127.0.0.1",
        # Production refuses a console or in-memory SMS backend; this Eskiz points at a closed local port.
        SMS_BACKEND="core.sms.EskizSmsBackend",
        ESKIZ_EMAIL="bench@kvartirabar.uz",
        ESKIZ_PASSWORD="bench",  # noqa: S106 (a closed local port)
        ESKIZ_BASE_URL="http://127.0.0.1:9/api",
    )
    os.environ.update(env)
    database_recreate(args.server, args.database)
    # Migrated and seeded by the served checkout's own code, so another branch's schema fits its models.
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=args.root, env=env, check=True)
    seeded = subprocess.run(  # noqa: S603 (our own interpreter and seed script)
        [sys.executable, "manage.py", "shell", "-c", SEED],
        cwd=args.root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    session = seeded.stdout.strip().splitlines()[-1]
    photo_sets = [(name, photos) for name, photos in scenarios() if args.only in name]

    log = Path("/tmp") / f"{args.database}-gunicorn.log"  # noqa: S108 (a throwaway benchmark)

    def start() -> tuple[Server, int]:
        """A fresh server: every scenario starts from a worker that has not grown yet."""
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
        command += ["-b", f"127.0.0.1:{port}", "config.asgi:application"]
        server = Server(command, env, port, cwd=Path(args.root), log=log)
        return server, worker_pid(server.process.pid)

    try:
        server, pid = start()
        pings = []
        for _ in range(20):
            started = time.perf_counter()
            assert httpx.get(f"{server.url}/bench/ping/").status_code == 200
            pings.append(time.perf_counter() - started)
        rest = _status_kb(pid, "VmRSS")
        server.stop()
        print(f"code: {args.root}; gunicorn -c deploy/gunicorn.conf.py, 1 uvicorn worker; DEBUG=0, PostgreSQL, Redis")
        print(f"trivial view /bench/ping/: median {statistics.median(pings) * 1000:.1f} ms over 20 requests")
        print(f"worker RSS at rest: {rest / 1024:.0f} MB; a fresh server for every scenario\n")
        print(f"{'scenario':50} {'upload':>8} {'time median/max':>16} {'peak +RSS':>10} {'peak RSS':>9}  outcome")
        for name, photos in photo_sets:
            size = sum(len(data) for _n, data, _k in photos)
            server, pid = start()
            try:
                seller = Seller(server.url, session)
                rest = peak_reset(pid)
                walls, outcomes = [], set()
                for _ in range(args.repeat):
                    _status, wall, outcome = seller.upload(photos)
                    walls.append(wall)
                    outcomes.add(outcome)
                top = peak(pid)
            finally:
                server.stop()
            print(
                f"{name:50} {size / 1024 / 1024:6.1f}MB {statistics.median(walls):7.2f}s/{max(walls):5.2f}s "
                f"{(top - rest) / 1024:7.0f} MB "
                f"{top / 1024:6.0f} MB  {' / '.join(sorted(outcomes))[:80]}"
            )

        # Three of the heaviest accepted uploads at once on the one worker.
        heavy = next(((n, p) for n, p in photo_sets if n.startswith("largest RGBA")), None)
        if heavy is not None:
            server, pid = start()
            try:
                results: list[tuple[int, float, str]] = []
                sellers = [Seller(server.url, session) for _ in range(3)]
                rest = peak_reset(pid)
                threads = [threading.Thread(target=lambda s=s: results.append(s.upload(heavy[1]))) for s in sellers]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                top = peak(pid)
            finally:
                server.stop()
            times = ", ".join(f"{wall:.2f} s" for _status, wall, _outcome in sorted(results, key=lambda r: r[1]))
            outcomes = {outcome for _status, _wall, outcome in results}
            print(f"\n3 × '{heavy[0]}' at once on the one worker: {times};")
            print(f"  worker peak +{(top - rest) / 1024:.0f} MB; outcomes: {' / '.join(sorted(outcomes))}")
    finally:
        database_recreate(args.server, args.database, drop_only=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
