"""Loaded by pytest before Django (pytest.ini: -p tests.testenv).

Sets the test environment, and points the suite at PostgreSQL when it is
reachable (or given by DATABASE_URL). With REQUIRE_POSTGRES=1 (CI) a
missing PostgreSQL fails the run instead of falling back to SQLite.
"""

import os
import socket

TEST_DEFAULTS = {
    "DEBUG": "1",
    "SECRET_KEY": "test-secret-key-not-for-production",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "CLICK_SERVICE_ID": "12345",
    "CLICK_MERCHANT_ID": "23456",
    "CLICK_MERCHANT_USER_ID": "34567",
    "CLICK_SECRET_KEY": "test-click-secret",
    "CLICK_SANDBOX": "1",
    "PAYME_MERCHANT_ID": "5e730e8e0b852a417aa49cea",
    # Payme's keys hold characters like these: they are compared verbatim.
    "PAYME_KEY": "test-payme-key&%#?@:k3y",
    "PAYME_TEST_KEY": "test-payme-test-key",
    "AUCTION_FEE": "50000.00",
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
    "FAST_PASSWORD_HASHER": "1",
    "SMS_BACKEND": "core.sms.LocmemSmsBackend",
    "EMAIL_URL": "memorymail://",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    # Rate limits off by default: concurrency, fault and browser tests place many bids from
    # 127.0.0.1. tests/test_security.py sets its own limits; the production-server smoke test
    # runs with the real defaults.
    "RATE_LIMIT_BID_USER": "0",
    "RATE_LIMIT_BID_IP": "0",
    "RATE_LIMIT_PAYMENT_USER": "0",
    "RATE_LIMIT_PAYMENT_IP": "0",
    "RATE_LIMIT_SIGNUP_IP": "0",
    # Upload limits per seller and hour likewise: tests/test_uploads.py sets its own.
    "LISTINGS_PER_USER_HOURLY": "0",
    "PHOTOS_PER_USER_HOURLY": "0",
    "NOTIFY_IN_BACKGROUND": "0",
    # No map tiles from the internet in tests: the maps work on a blank background.
    "MAP_TILE_URL": "",
}
LOCAL_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/15"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


for name, value in TEST_DEFAULTS.items():
    os.environ.setdefault(name, value)
os.environ.setdefault("MEDIA_ROOT", os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts", "media"))

if "DATABASE_URL" not in os.environ and _reachable("127.0.0.1", 5432):
    os.environ["DATABASE_URL"] = LOCAL_POSTGRES_URL
if "REDIS_URL" not in os.environ and _reachable("127.0.0.1", 6379):
    os.environ["REDIS_URL"] = LOCAL_REDIS_URL

if os.environ.get("REQUIRE_POSTGRES") == "1" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    raise SystemExit("REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at 127.0.0.1:5432 and DATABASE_URL is not set")
