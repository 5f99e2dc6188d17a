"""Anything a client can send gets an answer, never a 500 (PostgreSQL types are strict)."""

import pytest

from tests.test_click_endpoints import complete_request, post, prepare_fields, prepared_attempt, resign

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
INT8_OVERFLOW = str(2**63)


@pytest.mark.parametrize(
    "url",
    [
        f"/auctions/{HUGE}/",
        f"/listings/{HUGE}/",
        f"/listings/{INT8_OVERFLOW}/",
        f"/listings/{HUGE}/auction/new/",
    ],
)
def test_huge_ids_in_urls_are_404(client, seller, url):
    client.force_login(seller)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [f"/auctions/{HUGE}/pay/", f"/auctions/{HUGE}/bid/", f"/auctions/{HUGE}/cancel/"])
def test_huge_ids_in_posts_are_404(client, seller, url):
    client.force_login(seller)
    assert client.post(url, {"amount": "100"}).status_code == 404


def test_click_ids_beyond_bigint_are_malformed(client, payment):
    fields = resign(prepare_fields(payment.merchant_trans_id) | {"click_trans_id": INT8_OVERFLOW})
    assert post(client, "/api/auctions/click/prepare/", fields)["error"] == -8
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, answer)
    assert (
        post(client, "/api/auctions/click/complete/", resign(request | {"merchant_prepare_id": INT8_OVERFLOW}))["error"]
        == -8
    )


@pytest.mark.parametrize(
    "page", ["/", "/listings/?page=abc", "/listings/?page=99999", "/login/?next=https://evil.example/"]
)
def test_odd_query_strings(client, page):
    assert client.get(page).status_code == 200


@pytest.mark.parametrize(("field", "value"), [("error", "-9999999999"), ("click_paydoc_id", INT8_OVERFLOW)])
def test_click_numbers_beyond_their_columns_are_malformed(client, payment, field, value):
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, answer)
    assert post(client, "/api/auctions/click/complete/", resign(request | {field: value}))["error"] == -8
