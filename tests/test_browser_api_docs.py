"""The API docs page works in a real browser from local files only."""

import pytest

from tests.browser import launch_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_schema_without_any_outside_request(live_server):
    requested: list[str] = []
    errors: list[str] = []
    with launch_browser() as browser:
        page = browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/api/docs/")
        page.get_by_text("/api/v1/auctions/{id}/bids/").first.wait_for(timeout=15000)
        assert page.get_by_text("kvartirabar API").first.is_visible()
        page.close()
    assert errors == []
    assert any(url.endswith("swagger-ui-bundle.js") for url in requested)
    assert any("/api/schema/" in url for url in requested)
    outside = [url for url in requested if not url.startswith(live_server.url) and not url.startswith("data:")]
    assert outside == []
