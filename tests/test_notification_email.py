"""The e-mail address where e-mail notifications are offered (issue 14, item 10)."""

import pytest
from django.core import mail

from notifications.services import Message, notification_send

pytestmark = pytest.mark.django_db
URL = "/notifications/"


def _post(client, **data):
    form = {"email_enabled": "on", "email": "", "telegram_enabled": "", "sms_enabled": ""} | data
    return client.post(URL, form)


def test_the_address_is_asked_for_saved_and_used(client, make_user):
    user = make_user()
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert 'type="email" name="email"' in page
    assert 'data-testid="email-missing"' in page  # e-mail is on, but there is nowhere to send it

    assert _post(client, email="  Buyer@Example.UZ ").status_code == 302
    user.refresh_from_db()
    assert user.email == "Buyer@example.uz"  # the domain part is case-insensitive
    page = client.get(URL).content.decode()
    assert 'value="Buyer@example.uz"' in page and 'data-testid="email-missing"' not in page

    sent = notification_send(user=user, message=Message(kind="test", subject="Тема", text="Текст", email_body="Письмо"))
    assert "email" in sent and mail.outbox[-1].to == ["Buyer@example.uz"]


@pytest.mark.parametrize(
    "bad", ["buyer", "buyer@", "@example.uz", "buyer@example", "a b@example.uz", "x" * 250 + "@e.uz"]
)
def test_a_wrong_address_is_refused_and_changes_nothing(client, make_user, bad):
    user = make_user(email="old@example.uz")
    client.force_login(user)
    response = _post(client, email=bad, sms_enabled="on")
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    user.refresh_from_db()
    assert user.email == "old@example.uz"
    assert not hasattr(user, "notification_preference") or not user.notification_preference.sms_enabled


def test_an_empty_address_clears_it(client, make_user):
    user = make_user(email="old@example.uz")
    client.force_login(user)
    assert _post(client, email_enabled="").status_code == 302
    user.refresh_from_db()
    assert user.email == ""
    assert not user.notification_preference.email_enabled
