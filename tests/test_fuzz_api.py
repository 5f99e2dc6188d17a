"""Schemathesis against /api/schema/: generated requests (valid and invalid) to every
operation of the API, in-process through the WSGI application and the test database.

Checks for every response: no 5xx, a documented status code and content type, and a
body that conforms to the schema. Examples are bounded so the run stays well under
a minute and a half on two cores.
"""

from collections import defaultdict
from datetime import timedelta

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.generation import GenerationMode

from config.wsgi import application

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
MAX_EXAMPLES = 40


@pytest.fixture
def fuzz_world(db, settings, seller, buyer, make_listing, make_auction, make_paid_auction):
    """Real rows for the generated ids to hit, high throttle rates, and the DB
    connection kept open across the in-process WSGI requests (as Django's test client does)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(["anon", "user", "bids", "payments", "token"], "100000/min"),
    }
    cache.clear()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    running = make_paid_auction(make_listing(seller), starts_in=-timedelta(minutes=5))
    unpaid = make_auction(make_listing(buyer))
    token = Token.objects.create(user=buyer)
    world = {
        "ids": [running.pk, unpaid.pk, running.listing_id, unpaid.listing_id],
        "headers": {"Authorization": f"Token {token.key}"},
        "token": token.key,
        "user": buyer,
    }
    yield world
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    cache.clear()


def _aim(case, world) -> None:
    """Half of the generated ids point at real auctions/listings, so the rules run, not just the 404."""
    for name in ("id", "listing_id"):
        value = case.path_parameters.get(name) if case.path_parameters else None
        if isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = world["ids"][value // 2 % len(world["ids"])]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(fuzz_world, mode):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    calls = 0
    statuses: dict[str, set[int]] = defaultdict(set)
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            nonlocal calls
            _aim(case, fuzz_world)
            # A generated DELETE /auth/token/ revokes the token: give it back for the next requests.
            Token.objects.get_or_create(key=fuzz_world["token"], defaults={"user": fuzz_world["user"]})
            # Signed in (as the buyer) for most requests, anonymous for every fifth.
            headers = {} if calls % 5 == 4 else fuzz_world["headers"]
            calls += 1
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[f"{case.method} {case.path}"].add(response.status_code)

        try:
            run()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters, no body): covered by the positive run.
            assert mode == GenerationMode.NEGATIVE
    assert calls >= len(operations) * 5
    if mode == GenerationMode.POSITIVE:
        # Valid requests got through to the rules: searches answered, bids judged on real auctions.
        assert 200 in statuses["GET /api/v1/listings/"]
        assert statuses["POST /api/v1/auctions/{id}/bids/"] & {201, 400, 409}
