"""Click SHOP API signatures and body parsing (shop-api.md §1-§3).

No database: these are the pure functions every callback goes through.
"""

import hashlib
import json

import pytest

from clickuz.errors import ClickError, ClickProtocolError
from clickuz.protocol import Action, parse_body, verify_request
from clickuz.signing import sign_string, signature_matches

# The worked example of shop-api.md §3.
SECRET = "SECRET123"
PREPARE = {
    "click_trans_id": "3737503",
    "service_id": "12345",
    "merchant_trans_id": "order_9001",
    "amount": "1000.00",
    "action": "0",
    "sign_time": "2026-08-22 14:03:11",
}
PREPARE_INPUT = "373750312345SECRET123order_90011000.0002026-08-22 14:03:11"
PREPARE_MD5 = "9f73df6a589039c3afde3e2039720e46"
COMPLETE = PREPARE | {"merchant_prepare_id": "778", "action": "1", "sign_time": "2026-08-22 14:03:19"}
COMPLETE_INPUT = "373750312345SECRET123order_90017781000.0012026-08-22 14:03:19"
COMPLETE_MD5 = "a55a9138d88a9f9ee6fa86bece724e0b"

FORM = "application/x-www-form-urlencoded"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


# --- sign_string ------------------------------------------------------------------


def test_worked_example_inputs_hash_to_the_documented_digests():
    # Guards the vectors themselves, independent of our code.
    assert _md5(PREPARE_INPUT) == PREPARE_MD5
    assert _md5(COMPLETE_INPUT) == COMPLETE_MD5


def test_prepare_vector():
    assert sign_string(secret_key=SECRET, **PREPARE) == PREPARE_MD5


def test_complete_vector():
    assert sign_string(secret_key=SECRET, **COMPLETE) == COMPLETE_MD5


def test_prepare_concatenation_order():
    # click_trans_id + service_id + SECRET + merchant_trans_id + amount + action + sign_time
    assert sign_string(secret_key=SECRET, **PREPARE) == _md5(
        PREPARE["click_trans_id"]
        + PREPARE["service_id"]
        + SECRET
        + PREPARE["merchant_trans_id"]
        + PREPARE["amount"]
        + PREPARE["action"]
        + PREPARE["sign_time"]
    )


def test_complete_concatenation_puts_prepare_id_between_order_id_and_amount():
    assert sign_string(secret_key=SECRET, **COMPLETE) == _md5(
        COMPLETE["click_trans_id"]
        + COMPLETE["service_id"]
        + SECRET
        + COMPLETE["merchant_trans_id"]
        + COMPLETE["merchant_prepare_id"]
        + COMPLETE["amount"]
        + COMPLETE["action"]
        + COMPLETE["sign_time"]
    )


def test_signature_is_lower_case_hex():
    digest = sign_string(secret_key=SECRET, **PREPARE)
    assert digest == digest.lower()
    assert len(digest) == 32
    int(digest, 16)


def test_every_signed_field_changes_the_signature():
    base = sign_string(secret_key=SECRET, **COMPLETE)
    for name in COMPLETE:
        changed = COMPLETE | {name: COMPLETE[name] + "9"}
        assert sign_string(secret_key=SECRET, **changed) != base, name
    assert sign_string(secret_key=SECRET + "x", **COMPLETE) != base


def test_raw_amount_text_is_hashed_not_the_number():
    as_decimal = sign_string(secret_key=SECRET, **PREPARE | {"amount": "1000.00"})
    as_integer = sign_string(secret_key=SECRET, **PREPARE | {"amount": "1000"})
    as_one_place = sign_string(secret_key=SECRET, **PREPARE | {"amount": "1000.0"})
    assert len({as_decimal, as_integer, as_one_place}) == 3
    assert as_integer == _md5("373750312345SECRET123order_90011000" + "0" + "2026-08-22 14:03:11")


# --- signature_matches --------------------------------------------------------------


def test_signature_matches_exact():
    assert signature_matches(PREPARE_MD5, PREPARE_MD5)


def test_signature_matches_is_case_insensitive():
    assert signature_matches(PREPARE_MD5, PREPARE_MD5.upper())
    assert signature_matches(PREPARE_MD5.upper(), PREPARE_MD5)
    assert signature_matches(PREPARE_MD5, "9F73df6A589039c3AFDE3e2039720E46")


def test_signature_mismatch():
    assert not signature_matches(PREPARE_MD5, COMPLETE_MD5)
    assert not signature_matches(PREPARE_MD5, PREPARE_MD5[:-1] + "f")
    assert not signature_matches(PREPARE_MD5, "")
    assert not signature_matches(PREPARE_MD5, PREPARE_MD5[:31])


# --- parse_body -----------------------------------------------------------------------


def test_parse_form_body():
    body = (
        b"click_trans_id=3737503&service_id=12345&merchant_trans_id=order_9001&amount=1000.00"
        b"&action=0&sign_time=2026-08-22+14%3A03%3A11&error=0&error_note=Success"
    )
    assert parse_body(body, FORM) == PREPARE | {"error": "0", "error_note": "Success"}


def test_parse_form_body_keeps_amount_text():
    assert parse_body(b"amount=50000", FORM)["amount"] == "50000"
    assert parse_body(b"amount=50000.00", FORM)["amount"] == "50000.00"


def test_parse_form_body_decodes_utf8_note():
    body = b"error_note=%D0%9D%D0%B5%D0%B4%D0%BE%D1%81%D1%82%D0%B0%D1%82%D0%BE%D1%87%D0%BD%D0%BE"
    assert parse_body(body, FORM)["error_note"] == "Недостаточно"


def test_parse_json_keeps_number_text():
    fields = parse_body(b'{"amount": 50000.00, "click_trans_id": 3737503, "error": -5017}', "application/json")
    assert fields == {"amount": "50000.00", "click_trans_id": "3737503", "error": "-5017"}


def test_parse_json_integer_amount_stays_integer_text():
    assert parse_body(b'{"amount": 50000}', "application/json")["amount"] == "50000"
    assert parse_body(b'{"amount": "1000.00"}', "application/json")["amount"] == "1000.00"


def test_parse_json_without_json_content_type():
    assert parse_body(b'{"amount": 1000.00}', FORM) == {"amount": "1000.00"}


def test_parse_json_worked_example_body():
    body = json.dumps(PREPARE).encode()
    assert parse_body(body, "application/json; charset=utf-8") == PREPARE


def test_parse_empty_bodies():
    assert parse_body(b"", FORM) == {}
    assert parse_body(b"", "application/json") == {}
    assert parse_body(b"{}", "application/json") == {}


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'"text"', b'{"amount": [1]}', b'{"amount": {"a": 1}}', b'{"action": true}']
)
def test_parse_bad_json_is_a_bad_request(body):
    with pytest.raises(ClickProtocolError) as info:
        parse_body(body, "application/json")
    assert info.value.code is ClickError.BAD_REQUEST


def test_parse_non_utf8_raises():
    with pytest.raises(UnicodeDecodeError):
        parse_body(b"amount=\xff\xfe", FORM)


# --- verify_request on the worked example ---------------------------------------------


def test_verify_worked_prepare_from_a_form_body():
    body = "&".join(f"{k}={v}" for k, v in (PREPARE | {"sign_string": PREPARE_MD5}).items()).encode()
    request = verify_request(
        parse_body(body, FORM), expected_action=Action.PREPARE, service_id="12345", secret_key=SECRET
    )
    assert request.click_trans_id == 3737503
    assert request.merchant_trans_id == "order_9001"
    assert request.amount_raw == "1000.00"
    assert str(request.amount) == "1000.00"


def test_verify_worked_complete_from_a_json_body_with_numbers():
    body = (
        '{"click_trans_id": 3737503, "service_id": 12345, "merchant_trans_id": "order_9001",'
        ' "merchant_prepare_id": 778, "amount": 1000.00, "action": 1, "error": 0,'
        f' "sign_time": "2026-08-22 14:03:19", "sign_string": "{COMPLETE_MD5.upper()}"}}'
    ).encode()
    request = verify_request(
        parse_body(body, "application/json"), expected_action=Action.COMPLETE, service_id="12345", secret_key=SECRET
    )
    assert request.merchant_prepare_id == 778
    assert request.amount_raw == "1000.00"
    assert request.error == 0


def test_verify_rejects_reformatted_amount():
    # Signed over "1000.00": the same number written "1000" is a different message.
    fields = PREPARE | {"amount": "1000", "sign_string": PREPARE_MD5}
    with pytest.raises(ClickProtocolError) as info:
        verify_request(fields, expected_action=Action.PREPARE, service_id="12345", secret_key=SECRET)
    assert info.value.code is ClickError.SIGN_CHECK_FAILED
