"""/healthz: what a load balancer probes (PostgreSQL and Redis when reachable)."""

import pytest
from django.core.cache import cache
from django.test import Client

import core.health

pytestmark = pytest.mark.django_db


def test_healthy_site_answers_json_without_auth_redirect_or_known_host(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["kvartirabar.uz"]
    response = Client().get("/healthz", HTTP_HOST="10.0.0.7")  # probed by IP, over plain HTTP
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json" and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok" and body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert Client().head("/healthz/", HTTP_HOST="10.0.0.7").status_code == 200
    assert Client().post("/healthz").status_code == 405


def test_an_unreachable_redis_makes_it_fail(settings, caplog):
    # A real Redis client pointed at a port where nothing listens.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["checks"]["database"]["ok"]
    assert body["checks"]["cache"] == {"ok": False}  # the reason is logged, not shown to the public
    assert any("healthz: cache failed: ConnectionError" in r.getMessage() for r in caplog.records)


def test_the_cache_check_uses_the_configured_cache():
    core.health._check_cache()
    assert cache.get("healthz:anything") is None
