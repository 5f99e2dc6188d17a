"""Structured logs: every Click callback is one JSON line with the payment's merchant_trans_id."""

import copy
import io
import json
import logging.config
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from config.checks import log_format_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"] = {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": stream}}
    config["root"] = {"handlers": ["console"], "level": "INFO"}
    logging.config.dictConfig(config)
    try:
        yield stream
    finally:
        logging.config.dictConfig(settings.LOGGING)


def test_a_callback_is_logged_as_one_json_object(json_log, payment):
    body = {"merchant_trans_id": payment.merchant_trans_id, "click_trans_id": "77", "action": "0"}
    Client().post("/api/auctions/click/prepare/", urlencode(body), content_type="application/x-www-form-urlencoded")
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    [entry] = [line for line in lines if line.get("event") == "click_callback"]
    # -8 is a non-zero Click code: WARNING (issue 10, item 6).
    assert entry["logger"] == "clickuz.callbacks" and entry["level"] == "WARNING"
    assert entry["merchant_trans_id"] == payment.merchant_trans_id and entry["click_trans_id"] == "77"
    assert entry["stage"] == "prepare" and entry["error_code"] == -8 and entry["callback_id"]
    assert isinstance(entry["duration_ms"], float) and entry["time"].endswith("+00:00")


def test_log_format_is_checked():
    assert log_format_check("json") == "json"
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be json or plain"):
        log_format_check("xml")
