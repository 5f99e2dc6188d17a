"""Payme's settings fail fast like Click's: a server with DEBUG off refuses to start with a
missing or placeholder Payme value, naming the setting (config/checks.py)."""

import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.checks import validate_production_settings
from tests.test_settings import GOOD_CLICK, PRODUCTION_ENV, _manage

GOOD_PAYME = {
    "merchant_id": "5e730e8e0b852a417aa49ceb",
    "key": "Zx&%#?@k3y-from-the-cabinet",
    "test_key": "",
    "test_mode": False,
    "sandbox": False,
}


def _validate(**payme):
    validate_production_settings(
        debug=False,
        secret_key=secrets.token_urlsafe(50),
        allowed_hosts=["kvartirabar.uz"],
        click=dict(GOOD_CLICK),
        sandbox=False,
        sandbox_forced=False,
        payme=GOOD_PAYME | payme,
    )


def test_real_payme_values_pass_and_payme_may_be_left_off():
    _validate()
    _validate(merchant_id="", key="")
    _validate(test_mode=True, key="", test_key="test-key-from-cabinet")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"key": ""}, "PAYME_KEY is not set"),
        ({"key": "your_key"}, "PAYME_KEY is a placeholder"),
        ({"merchant_id": "your_merchant_id"}, "PAYME_MERCHANT_ID is a placeholder"),
        ({"merchant_id": "000000000000000000000000"}, "PAYME_MERCHANT_ID is a placeholder"),
        ({"merchant_id": "12345"}, "PAYME_MERCHANT_ID must be the 24-character cashbox id"),
        ({"merchant_id": ""}, "PAYME_MERCHANT_ID is not set while a Payme key is"),
        ({"test_mode": True}, "PAYME_TEST_KEY is not set"),
        ({"test_mode": True, "test_key": "your_test_key"}, "PAYME_TEST_KEY is a placeholder"),
        ({"sandbox": True}, "PAYME_SANDBOX is on while DEBUG is off"),
    ],
)
def test_missing_or_placeholder_payme_setting_is_named(override, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _validate(**override)


def test_server_does_not_start_with_a_placeholder_payme_key():
    result = _manage(
        "check", **(PRODUCTION_ENV | {"PAYME_MERCHANT_ID": "5e730e8e0b852a417aa49ceb", "PAYME_KEY": "your_key"})
    )
    assert result.returncode != 0
    assert "PAYME_KEY is a placeholder" in result.stderr
    assert "Traceback" not in result.stderr


def test_server_starts_with_real_payme_settings():
    env = PRODUCTION_ENV | {"PAYME_MERCHANT_ID": "5e730e8e0b852a417aa49ceb", "PAYME_KEY": "k3y&%#?@from-cabinet"}
    result = _manage("check", **env)
    assert result.returncode == 0, result.stderr
