"""Notifications: sent after commit by tasks, per-user opt-out per channel,
through locmem e-mail, locmem SMS and a local fake of the Telegram Bot API."""

import threading
import time
from datetime import timedelta
from decimal import Decimal
from typing import ClassVar

import pytest
from django.core import mail
from django.utils import timezone

from auctions.bidding import bid_place
from auctions.lifecycle import auction_close, auctions_ending_soon_mark
from auctions.models import Auction, AuctionWatch
from core import sms
from core.formatting import format_phone
from notifications.models import TelegramLink
from notifications.services import preference_update, telegram_link_url, telegram_updates_process
from tests.fakehttp import fake_http_server

pytestmark = pytest.mark.django_db

START = Decimal("800000000")
STEP = Decimal("1000000")


@pytest.fixture(autouse=True)
def _clean_outboxes():
    sms.sms_outbox.clear()
    mail.outbox.clear()
    yield
    sms.sms_outbox.clear()


@pytest.fixture
def telegram(settings):
    updates: list[dict] = []

    def handle(request):
        if request.path.endswith("/getUpdates"):
            return 200, {"ok": True, "result": updates}
        if request.path.endswith("/sendMessage"):
            return 200, {"ok": True, "result": {"message_id": 1}}
        return 404, {"ok": False}

    with fake_http_server(handle) as server:
        settings.TELEGRAM_BOT_TOKEN = "123456:test-token"
        settings.TELEGRAM_API_URL = server.url
        settings.TELEGRAM_BOT_USERNAME = "kvartirabar_bot"
        server.updates = updates  # type: ignore[attr-defined]
        yield server


def sent_to(phone: str) -> list[str]:
    return [m.text for m in sms.sms_outbox if m.phone == phone]


def test_outbid_goes_by_email_and_sms_after_commit(paid_auction, make_user, django_capture_on_commit_callbacks):
    first = make_user(email="first@example.uz")
    second = make_user()
    bid_place(auction_id=paid_auction.pk, bidder=first, amount=START)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bid_place(auction_id=paid_auction.pk, bidder=second, amount=START + STEP)
        assert not mail.outbox and not sent_to(first.phone)  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["first@example.uz"]]
    assert "перебили" in mail.outbox[0].subject and "801\u00a0000\u00a0000" in mail.outbox[0].body
    assert len(sent_to(first.phone)) == 1 and f"/auctions/{paid_auction.pk}/" in sent_to(first.phone)[0]
    assert not sent_to(second.phone)


def test_notifications_hear_auction_events_through_the_listener_they_registered():
    # auctions does not import notifications: NotificationsConfig.ready() registers the enqueue function.
    from auctions.effects import auction_event_listeners
    from notifications.tasks import auction_event_enqueue

    assert auction_event_listeners.count(auction_event_enqueue) == 1


def test_a_failing_auction_event_listener_does_not_stop_the_others(
    paid_auction, make_user, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from auctions import effects

    def broken(kind, **kwargs):
        raise RuntimeError("a listener bug")

    monkeypatch.setattr(effects, "auction_event_listeners", [broken, *effects.auction_event_listeners])
    first = make_user()
    bid_place(auction_id=paid_auction.pk, bidder=first, amount=START)
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=START + STEP)
    assert len(sent_to(first.phone)) == 1
    assert "auction effect outbid failed" in caplog.text


def test_opt_out_per_channel(paid_auction, make_user, django_capture_on_commit_callbacks):
    first = make_user(email="first@example.uz")
    preference_update(user=first, email=False, telegram=True, sms=True)
    bid_place(auction_id=paid_auction.pk, bidder=first, amount=START)
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=START + STEP)
    assert not mail.outbox and len(sent_to(first.phone)) == 1
    preference_update(user=first, email=True, telegram=True, sms=False)
    bid_place(auction_id=paid_auction.pk, bidder=first, amount=START + 2 * STEP)
    sms.sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=START + 3 * STEP)
    assert len(mail.outbox) == 1 and not sent_to(first.phone)


def test_won_lost_and_sold_with_each_others_contacts(paid_auction, make_user, django_capture_on_commit_callbacks):
    loser = make_user(email="loser@example.uz")
    winner = make_user(email="winner@example.uz", first_name="Малика")
    paid_auction.seller.email = "seller@example.uz"
    paid_auction.seller.save()
    bid_place(auction_id=paid_auction.pk, bidder=loser, amount=START)
    bid_place(auction_id=paid_auction.pk, bidder=winner, amount=START + STEP)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        auction_close(auction_id=paid_auction.pk, now=paid_auction.ends_at)
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"loser@example.uz", "winner@example.uz", "seller@example.uz"}
    assert "выиграли" in by_to["winner@example.uz"].subject
    assert format_phone(paid_auction.seller.phone) in by_to["winner@example.uz"].body  # "+998 90 …"
    assert format_phone(winner.phone) in by_to["seller@example.uz"].body
    assert "другой участник" in by_to["loser@example.uz"].subject
    assert format_phone(winner.phone) not in by_to["loser@example.uz"].body
    assert winner.phone not in by_to["loser@example.uz"].body


def test_watchers_hear_started_ending_soon_and_extended(
    listing, make_paid_auction, make_user, django_capture_on_commit_callbacks, settings
):
    from auctions.lifecycle import auction_sync

    watcher = make_user(email="watcher@example.uz")
    auction = make_paid_auction(listing, starts_in=timedelta(minutes=10), duration=timedelta(hours=1))
    AuctionWatch.objects.create(auction=auction, user=watcher)
    with django_capture_on_commit_callbacks(execute=True):
        auction_sync(auction_id=auction.pk, now=auction.starts_at)
    assert [m.subject for m in mail.outbox] == [f"Аукцион #{auction.pk} начался"]
    Auction.objects.filter(pk=auction.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() + timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert auctions_ending_soon_mark() == [auction.pk]
    assert mail.outbox[-1].subject == f"Аукцион #{auction.pk} скоро закончится"
    with django_capture_on_commit_callbacks(execute=True):
        assert auctions_ending_soon_mark() == []
    settings.AUCTION_SOFT_CLOSE_MINUTES = 60
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction_id=auction.pk, bidder=make_user(), amount=START)
    assert mail.outbox[-1].subject == f"Аукцион #{auction.pk} продлён"
    assert len(mail.outbox) == 3


def test_fee_paid_is_sent_to_the_seller(listing, make_auction, django_capture_on_commit_callbacks):
    from fees.demo import fee_pay_offline
    from fees.services import fee_initiate

    listing.seller.email = "seller@example.uz"
    listing.seller.save()
    auction = make_auction(listing)
    with django_capture_on_commit_callbacks(execute=True):
        fee_pay_offline(fee_initiate(auction_id=auction.pk, user=auction.seller))
    assert [m.subject for m in mail.outbox] == [f"Сбор за аукцион #{auction.pk} оплачен"]


def test_telegram_link_and_message_through_the_bot_api(
    telegram, paid_auction, make_user, django_capture_on_commit_callbacks
):
    first = make_user()
    url = telegram_link_url(user=first)
    token = url.split("start=")[1]
    assert url.startswith("https://t.me/kvartirabar_bot?start=")
    linked = telegram_updates_process(
        updates=[
            {"update_id": 1, "message": {"text": "/start wrong", "chat": {"id": 1}}},
            {"update_id": 2, "message": {"text": f"/start {token}", "chat": {"id": 777}}},
            {"update_id": 3, "message": "garbage"},
        ]
    )
    assert linked == 1 and TelegramLink.objects.get(user=first).chat_id == 777
    bid_place(auction_id=paid_auction.pk, bidder=first, amount=START)
    telegram.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=START + STEP)
    sends = [r for r in telegram.requests if r.path == "/bot123456:test-token/sendMessage"]
    assert len(sends) == 1
    assert sends[0].json()["chat_id"] == 777 and "перебили" in sends[0].json()["text"]


def test_telegram_failure_does_not_stop_email_or_sms(
    settings, paid_auction, make_user, django_capture_on_commit_callbacks
):
    with fake_http_server(lambda request: (500, {"ok": False})) as server:
        settings.TELEGRAM_BOT_TOKEN = "1:x"
        settings.TELEGRAM_API_URL = server.url
        first = make_user(email="first@example.uz")
        TelegramLink.objects.create(user=first, chat_id=5)
        bid_place(auction_id=paid_auction.pk, bidder=first, amount=START)
        with django_capture_on_commit_callbacks(execute=True):
            bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=START + STEP)
    assert len(server.requests) == 1
    assert len(mail.outbox) == 1 and len(sent_to(first.phone)) == 1


def test_poll_command_links_chats(telegram, make_user):
    from django.core.management import call_command

    user = make_user()
    token = telegram_link_url(user=user).split("start=")[1]
    telegram.updates.append({"update_id": 10, "message": {"text": f"/start {token}", "chat": {"id": 4242}}})
    call_command("telegram_poll")
    assert TelegramLink.objects.get(user=user).chat_id == 4242


def test_a_telegram_link_token_works_once(telegram, make_user):
    user = make_user()
    token = telegram_link_url(user=user).split("start=")[1]
    first = [{"update_id": 1, "message": {"text": f"/start {token}", "chat": {"id": 1}}}]
    assert telegram_updates_process(updates=first) == 1
    # The same deep link from another chat later: the user's notifications stay where they are.
    again = [{"update_id": 2, "message": {"text": f"/start {token}", "chat": {"id": 666}}}]
    assert telegram_updates_process(updates=again) == 0
    assert TelegramLink.objects.get(user=user).chat_id == 1
    fresh = telegram_link_url(user=user).split("start=")[1]  # the settings page offers a new link
    assert fresh != token
    moved = [{"update_id": 3, "message": {"text": f"/start {fresh}", "chat": {"id": 2}}}]
    assert telegram_updates_process(updates=moved) == 1
    assert TelegramLink.objects.get(user=user).chat_id == 2


def test_preferences_page(client, make_user):
    user = make_user()
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "Уведомления" in page
    response = client.post("/notifications/", {"email_enabled": "on", "sms_enabled": ""})
    assert response.status_code == 302
    pref = user.notification_preference
    assert pref.email_enabled and not pref.sms_enabled and not pref.telegram_enabled
    client.logout()
    assert client.get("/notifications/").status_code == 302


class GatedSmsBackend:
    """Holds every SMS until the test opens the gate; records the sending thread."""

    gate = threading.Event()
    sent: ClassVar[list[tuple[str, str]]] = []

    def send(self, message: sms.SmsMessage) -> None:
        self.gate.wait(timeout=10)
        self.sent.append((message.phone, threading.current_thread().name))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_a_broker_notifications_leave_the_request_thread(paid_auction, make_user, settings):
    settings.NOTIFY_IN_BACKGROUND = True
    settings.SMS_BACKEND = "tests.test_notifications.GatedSmsBackend"
    GatedSmsBackend.gate.clear()
    GatedSmsBackend.sent.clear()
    first, second = make_user(), make_user()
    bid_place(auction_id=paid_auction.pk, bidder=first, amount=START)
    bid_place(auction_id=paid_auction.pk, bidder=second, amount=START + STEP)
    # The bid is answered while the outbid SMS is still waiting to go out.
    assert GatedSmsBackend.sent == []
    GatedSmsBackend.gate.set()
    deadline = time.monotonic() + 10
    while not GatedSmsBackend.sent and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [phone for phone, _thread in GatedSmsBackend.sent] == [first.phone]
    assert GatedSmsBackend.sent[0][1].startswith("notify")


def test_an_operator_cancel_tells_bidders_watchers_and_the_seller(
    paid_auction, make_user, make_operator, django_capture_on_commit_callbacks
):
    from auctions.lifecycle import auction_cancel

    bidder = make_user(email="bidder@example.uz")
    watcher = make_user(email="watcher@example.uz")
    operator = make_operator(email="operator@example.uz")
    paid_auction.seller.email = "seller@example.uz"
    paid_auction.seller.save(update_fields=["email"])
    AuctionWatch.objects.create(auction=paid_auction, user=watcher)
    bid_place(auction_id=paid_auction.pk, bidder=bidder, amount=START)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        auction_cancel(auction_id=paid_auction.pk, user=operator, reason="Объявление нарушает правила")
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    told = {m.to[0]: m for m in mail.outbox if "отменён" in m.subject}
    assert set(told) == {"bidder@example.uz", "watcher@example.uz", "seller@example.uz"}  # not the operator
    assert "вернётся через ту же платёжную систему" in told["seller@example.uz"].body
    assert "вернётся через ту же платёжную систему" not in told["bidder@example.uz"].body
    assert sent_to(bidder.phone) and "отменён" in sent_to(bidder.phone)[0]


def test_the_queries_of_one_notification_do_not_grow_with_its_recipients(paid_auction, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.tasks import notify_auction_event

    def queries_for(watchers: int) -> int:
        AuctionWatch.objects.filter(auction=paid_auction).delete()
        for _ in range(watchers):
            AuctionWatch.objects.create(auction=paid_auction, user=make_user(email="w@example.uz"))
        with CaptureQueriesContext(connection) as captured:
            assert notify_auction_event(kind="extended", auction_id=paid_auction.pk) == watchers
        return len(captured)

    assert queries_for(2) == queries_for(6)
