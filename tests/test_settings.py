"""Production start-up refuses missing or placeholder settings, naming them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.checks import validate_production_settings

ROOT = Path(__file__).resolve().parent.parent
GOOD_CLICK = {
    "CLICK_SERVICE_ID": "12345",
    "CLICK_MERCHANT_ID": "23456",
    "CLICK_MERCHANT_USER_ID": "34567",
    "CLICK_SECRET_KEY": "k3Y-real-secret",
}


def _validate(**overrides):
    kwargs = {
        "debug": False,
        "secret_key": secrets.token_urlsafe(50),
        "allowed_hosts": ["kvartirabar.uz"],
        "click": dict(GOOD_CLICK),
        "sandbox": False,
        "sandbox_forced": False,
    } | overrides
    validate_production_settings(**kwargs)


def test_real_values_pass():
    _validate()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CLICK_SERVICE_ID", "", "CLICK_SERVICE_ID is not set"),
        ("CLICK_SECRET_KEY", "", "CLICK_SECRET_KEY is not set"),
        ("CLICK_MERCHANT_ID", "", "CLICK_MERCHANT_ID is not set"),
        ("CLICK_SERVICE_ID", "ваш_service_id", "CLICK_SERVICE_ID is a placeholder"),
        ("CLICK_SECRET_KEY", "ваш_secret_key", "CLICK_SECRET_KEY is a placeholder"),
        ("CLICK_SECRET_KEY", "your_secret_key", "CLICK_SECRET_KEY is a placeholder"),
        ("CLICK_SECRET_KEY", "abc123def456", "CLICK_SECRET_KEY is a placeholder"),
        ("CLICK_SERVICE_ID", "your_service_id", "CLICK_SERVICE_ID is a placeholder"),
        ("CLICK_SERVICE_ID", "12a45", "CLICK_SERVICE_ID must be a number"),
        ("CLICK_MERCHANT_USER_ID", "your_merchant_user_id", "CLICK_MERCHANT_USER_ID is a placeholder"),
    ],
)
def test_missing_or_placeholder_click_setting_is_named(name, value, message):
    click = dict(GOOD_CLICK) | {name: value}
    with pytest.raises(ImproperlyConfigured, match=message):
        _validate(click=click)


def test_missing_secret_key_and_hosts_are_named():
    with pytest.raises(ImproperlyConfigured) as exc:
        _validate(secret_key="", allowed_hosts=[])
    assert "SECRET_KEY is not set" in str(exc.value)
    assert "ALLOWED_HOSTS is not set" in str(exc.value)


def test_sandbox_needs_force_without_debug():
    with pytest.raises(ImproperlyConfigured, match="CLICK_SANDBOX is on while DEBUG is off"):
        _validate(sandbox=True)
    _validate(sandbox=True, sandbox_forced=True)


def test_debug_skips_production_checks():
    _validate(debug=True, secret_key="", click={"CLICK_SECRET_KEY": ""}, sandbox=True)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT)), "DATABASE_URL": "sqlite:///:memory:"}
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "kvartirabar.uz",
    "CLICK_SERVICE_ID": "12345",
    "CLICK_MERCHANT_ID": "23456",
    "CLICK_SECRET_KEY": "real-secret-from-cabinet",
    "SITE_URL": "https://kvartirabar.uz",
    "SMS_BACKEND": "core.sms.EskizSmsBackend",
    "ESKIZ_EMAIL": "ops@kvartirabar.uz",
    "ESKIZ_PASSWORD": "eskiz-password",
}


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"SMS_BACKEND": "core.sms.ConsoleSmsBackend"}, "SMS_BACKEND"),
        ({"SMS_BACKEND": "", "ESKIZ_PASSWORD": ""}, "ESKIZ_EMAIL and ESKIZ_PASSWORD"),
        ({"SITE_URL": "http://kvartirabar.uz"}, "SITE_URL"),
        ({"SITE_URL": ""}, "SITE_URL"),
    ],
)
def test_server_does_not_start_with_sign_in_codes_in_the_log_or_links_to_nowhere(override, named):
    env = {k: v for k, v in (PRODUCTION_ENV | override).items() if v}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert named in result.stderr


def test_server_does_not_start_with_the_checklist_placeholder():
    result = _manage("check", **(PRODUCTION_ENV | {"CLICK_SECRET_KEY": "ваш_secret_key"}))
    assert result.returncode != 0
    assert "CLICK_SECRET_KEY is a placeholder" in result.stderr


def test_server_does_not_start_with_sandbox_on_in_production():
    result = _manage("check", **(PRODUCTION_ENV | {"CLICK_SANDBOX": "1"}))
    assert result.returncode != 0
    assert "CLICK_SANDBOX is on while DEBUG is off" in result.stderr


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_checklist_step3_lines_22_23_name_the_click_settings():
    lines = (ROOT / "config" / "settings.py").read_text().splitlines()
    assert lines[21].startswith("CLICK_SERVICE_ID = env.str(")
    assert lines[22].startswith("CLICK_SECRET_KEY = env.str(")


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "SECRET_KEY is not set"),
        ("change-me-to-a-long-random-string", "SECRET_KEY is a placeholder"),
        ("short-but-random-Zx81", "at least 50"),
        ("a" * 60, "at least 50"),
    ],
)
def test_weak_or_placeholder_secret_key_is_refused(secret, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _validate(secret_key=secret)


def test_env_example_values_do_not_start_a_server():
    values = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    values.pop("DJANGO_LOG_FILE")
    result = _manage("check", **(values | {"DATABASE_URL": "sqlite:///:memory:"}))
    assert result.returncode != 0
    for name in ("SECRET_KEY", "CLICK_SERVICE_ID", "CLICK_MERCHANT_ID", "CLICK_SECRET_KEY"):
        assert name in result.stderr


@pytest.mark.parametrize("fee", ["abc", "0", "-50000", "50000.001", "1e20", "NaN"])
def test_bad_auction_fee_is_named(fee):
    result = _manage("check", **(PRODUCTION_ENV | {"AUCTION_FEE": fee}))
    assert result.returncode != 0
    assert "AUCTION_FEE must be a positive amount" in result.stderr


def test_unwritable_log_file_is_named(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = _manage("check", **(PRODUCTION_ENV | {"DJANGO_LOG_FILE": str(blocker / "django" / "error.log")}))
    assert result.returncode != 0
    assert "DJANGO_LOG_FILE" in result.stderr


def test_log_file_receives_click_callback_lines(tmp_path):
    log = tmp_path / "django" / "error.log"
    script = (
        "from django.test import Client; "
        "Client(HTTP_HOST='kvartirabar.uz')"
        ".post('/api/auctions/click/prepare/', data='{}', content_type='application/json')"
    )
    result = _manage(
        "shell",
        "-c",
        script,
        **(PRODUCTION_ENV | {"DJANGO_LOG_FILE": str(log), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}),
    )
    assert result.returncode == 0, result.stderr
    assert "click prepare" in log.read_text() and "error=-8" in log.read_text()


def test_any_command_without_settings_names_them_without_a_traceback():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 1
    assert "kvartirabar cannot start with these settings" in result.stderr
    assert "CLICK_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


_DATABASE_SETTINGS = """
import importlib, json, sys
importlib.import_module(sys.argv[1])  # what the server imports: settings load inside it
from django.db import connection
s = connection.settings_dict
answer = {"max_age": s["CONN_MAX_AGE"], "health_checks": s["CONN_HEALTH_CHECKS"]}
if connection.vendor == "sqlite":
    answer["journal_mode"] = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    answer["synchronous"] = connection.cursor().execute("PRAGMA synchronous").fetchone()[0]
    answer["transaction_mode"] = connection.transaction_mode
    answer["timeout"] = s["OPTIONS"]["timeout"]
print(json.dumps(answer))
"""


def _database_settings(module: str, database_url: str, **env: str) -> dict:
    import json

    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT)), "DEBUG": "1"}
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _DATABASE_SETTINGS, module],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


POSTGRES_URL = "postgres://kvartirabar@127.0.0.1:5432/kvartirabar"  # never connected to


def test_wsgi_keeps_database_connections_and_asgi_does_not():
    # A WSGI thread serves request after request: its connection is kept, health-checked.
    assert _database_settings("config.wsgi", POSTGRES_URL) == {"max_age": 60, "health_checks": True}
    # Under ASGI every request has a thread of its own: a kept connection would leak.
    assert _database_settings("config.asgi", POSTGRES_URL) == {"max_age": 0, "health_checks": True}
    # The operator decides when told to (a pooler in front, or fewer threads).
    assert _database_settings("config.wsgi", POSTGRES_URL, CONN_MAX_AGE="0")["max_age"] == 0
    assert _database_settings("config.asgi", POSTGRES_URL, CONN_MAX_AGE="30")["max_age"] == 30


def test_runserver_counts_as_asgi():
    from config.checks import served_by_asgi

    assert served_by_asgi(["manage.py", "runserver", "127.0.0.1:8000"], {}) is True
    assert served_by_asgi(["manage.py", "migrate"], {}) is False
    assert served_by_asgi(["gunicorn"], {"config.asgi": object()}) is True
    assert served_by_asgi(["gunicorn"], {"config.wsgi": object()}) is False


def test_sqlite_serialises_writers_instead_of_failing(tmp_path):
    answer = _database_settings("config.wsgi", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    # BEGIN IMMEDIATE: a second writer waits for the first instead of failing with "database is locked".
    assert answer["transaction_mode"] == "IMMEDIATE"
    assert answer["journal_mode"] == "wal"
    assert answer["synchronous"] == 1  # NORMAL
    assert answer["timeout"] >= 20


@pytest.mark.postgres
@pytest.mark.django_db
def test_web_queries_start_no_parallel_workers():
    """A page's query shares the web worker's cores: PostgreSQL's parallel workers cost more to
    start than they save there (bench/search.py at 1 000 000 listings), so the connection turns
    them off (DATABASE_PARALLEL_WORKERS raises it)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.parametrize("value", ["$abc", "$", "$x&%#?@:k3y", "a$b"])
def test_a_secret_starting_with_a_dollar_is_read_as_written(monkeypatch, value):
    # django-environ would read "$abc" as the value of another variable named abc.
    from config.environment import Env

    monkeypatch.setenv("abc", "another variable's value")
    monkeypatch.setenv("KB_TEST_SECRET", value)
    assert Env().str("KB_TEST_SECRET", default="") == value
    monkeypatch.setenv("KB_TEST_FLAG", "$abc")
    with pytest.raises(ValueError):
        Env().int("KB_TEST_FLAG", default=0)
    monkeypatch.setenv("KB_TEST_NUMBER", "7")
    assert Env().int("KB_TEST_NUMBER", default=0) == 7
