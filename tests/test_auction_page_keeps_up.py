"""The auction page without the browser (issue 14, items 2, 6, 7, 8): where a bid's answer is shown,
what the panel says to the outbid bidder and to the winner, the proxy-bid wording, what cancelling
does to the fee, the live state's result fields, the winner's notification, and auction-page views."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auctions.bidding import bid_place
from auctions.forms import BidForm
from auctions.lifecycle import auction_cancel
from auctions.models import Auction
from auctions.selectors import auction_live_state
from core.formatting import format_phone
from fees.models import AuctionPayment
from listings.view_counts import view_counts_flush
from notifications.services import message_build

pytestmark = pytest.mark.django_db

START = Decimal("800000000")
STEP = Decimal("1000000")


def bid_url(auction: Auction) -> str:
    return reverse("auctions:bid", args=[auction.pk])


def test_a_bid_s_answer_is_in_the_panel_beside_the_form_not_at_the_top(client, paid_auction, buyer, make_user):
    client.force_login(buyer)
    response = client.post(bid_url(paid_auction), {"amount": "1"})
    assert response.headers["Location"].endswith("#bid-result")
    page = client.get(response.headers["Location"].split("#")[0]).content.decode()
    top, panel = page.split('id="bid"', 1)
    assert "не меньше 800\u00a0000\u00a0000" not in top  # not in the page's message list, far above
    result = panel.split('id="bid-result"', 1)[1].split("</div>", 1)[0]
    assert "msg-error" in result and "Ставка должна быть не меньше 800\u00a0000\u00a0000 сум." in result
    assert panel.index('id="bid-result"') < panel.index('data-testid="bid-form"')


def test_the_outbid_bidder_is_told_and_the_form_offers_the_new_minimum(client, paid_auction, buyer, make_user):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=START + STEP)
    client.force_login(buyer)
    page = client.get(paid_auction.get_absolute_url()).content.decode()
    outbid = page.split('data-testid="outbid"', 1)[1].split(">", 1)[0]
    assert "hidden" not in outbid and "Вашу ставку перебили" in page
    assert 'value="802000000"' in page
    leader_note = page.split('data-live="leader-note"', 1)[1].split(">", 1)[0]
    assert "hidden" in leader_note


def test_a_scheduled_page_carries_the_bid_form_hidden_until_the_start(client, listing, make_paid_auction, buyer):
    auction = make_paid_auction(listing, starts_in=timedelta(hours=1))
    client.force_login(buyer)
    page = client.get(auction.get_absolute_url()).content.decode()
    form = page.split('data-testid="bid-form"', 1)[1].split(">", 1)[0]
    assert 'data-show="active"' in form and "hidden" in form
    assert 'data-testid="countdown-start"' in page and "Ставки откроются" in page


def test_the_live_state_says_how_it_ended_and_who_won_before_the_job_records_it(paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    Auction.objects.filter(pk=paid_auction.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    auction = Auction.objects.select_related("leader").get(pk=paid_auction.pk)
    assert auction.status == "active"  # not recorded yet
    state = auction_live_state(auction)
    from auctions.selectors import auction_bidder_token

    assert state["status"] == "ended" and state["outcome"] == "sold"
    assert state["winner_token"] == auction_bidder_token(auction.pk, buyer.pk)


def test_the_winner_reads_you_won_and_the_next_steps_with_the_seller_s_phone(client, paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    Auction.objects.filter(pk=paid_auction.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    client.force_login(buyer)
    page = client.get(paid_auction.get_absolute_url()).content.decode()
    won = page.split('data-testid="won"', 1)[1].split("</div>", 1)[0]
    assert not won.split(">", 1)[0].strip().endswith("hidden")
    assert "Поздравляем, вы выиграли аукцион!" in won and paid_auction.seller.phone in won and "нотариуса" in won
    client.force_login(paid_auction.seller)
    page = client.get(paid_auction.get_absolute_url()).content.decode()
    assert buyer.phone in page and "Квартира продана." in page


def test_the_winner_s_notification_has_the_next_steps(paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    auction = Auction.objects.select_related("seller", "listing").get(pk=paid_auction.pk)
    context = {
        "auction": auction,
        "listing": auction.listing,
        "url": "https://kvartirabar.uz/a",
        "seller": auction.seller,
    }
    message = message_build(kind="won", context=context)
    assert "Что дальше:" in message.email_body and "нотариуса" in message.email_body
    assert format_phone(auction.seller.phone) in message.text  # SMS and Telegram too, "+998 90 …"
    assert "позвоните продавцу" in message.text


def test_raising_only_the_maximum_says_so(client, paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START, max_amount=START + 5 * STEP)
    client.force_login(buyer)
    response = client.post(
        bid_url(paid_auction), {"amount": "", "max_amount": str(START + 9 * STEP)}, HTTP_ACCEPT="application/json"
    )
    body = response.json()
    assert body["ok"] and body["code"] == "max_raised"
    assert body["message"] == (
        "Ваш максимум повышен до 809\u00a0000\u00a0000 сум. "
        "Текущая цена не изменилась: 800\u00a0000\u00a0000 сум. Вы лидируете."
    )
    assert "принята" not in body["message"]
    page = client.post(bid_url(paid_auction), {"amount": "", "max_amount": str(START + 10 * STEP)}, follow=True)
    assert "Ваш максимум повышен до 810\u00a0000\u00a0000 сум" in page.content.decode()


def test_the_proxy_help_text_says_the_system_answers_when_someone_outbids_you():
    help_text = str(BidForm().fields["max_amount"].help_text)
    assert "Если другой участник перебьёт вашу ставку, система сама поднимет её" in help_text
    assert "пока вы лидируете" not in help_text


def test_the_auction_form_states_the_fee_and_what_comes_next(client, listing):
    client.force_login(listing.seller)
    page = client.get(reverse("auctions:create", args=[listing.pk])).content.decode()
    summary = page.split('data-testid="fee-summary"', 1)[1]
    assert "50\u00a0000\u00a0сум" in summary and "«Инициировать оплату»" in summary and "Payme" in summary
    assert "Создать аукцион" in page


@pytest.mark.parametrize(
    ("paid", "starts_in", "note", "refunded"),
    [
        (False, timedelta(hours=1), "Сбор не был оплачен: ничего не списывается.", False),
        (True, timedelta(hours=1), "Аукцион ещё не начался: сбор 50\u00a0000\u00a0сум вернётся на карту", True),
        (True, -timedelta(minutes=5), "Аукцион уже начался: сбор 50\u00a0000\u00a0сум не возвращается.", False),
    ],
    ids=["unpaid", "paid, not started", "paid, started"],
)
def test_cancel_says_what_happens_to_the_fee_and_that_is_what_happens(
    client, listing, make_auction, make_paid_auction, paid, starts_in, note, refunded
):
    auction = (make_paid_auction if paid else make_auction)(listing, starts_in=starts_in)
    client.force_login(listing.seller)
    page = client.get(auction.get_absolute_url()).content.decode()
    shown = page.split('data-testid="cancel-fee-note"', 1)[1].split("</p>", 1)[0]
    assert note in shown
    confirm = page.split('class="cancel-form"', 1)[1].split(">", 1)[0]
    assert note in confirm  # the question the browser asks says it too
    auction_cancel(auction_id=auction.pk, user=listing.seller)
    payment = AuctionPayment.objects.filter(auction=auction, status="completed").first()
    assert bool(payment and payment.needs_refund) is refunded


def test_views_of_the_auction_page_count_for_the_listing(client, paid_auction, buyer):
    listing = paid_auction.listing
    client.get(paid_auction.get_absolute_url())
    client.get(paid_auction.get_absolute_url())
    client.get(listing.get_absolute_url())  # the same visitor: still one view
    view_counts_flush()
    listing.refresh_from_db()
    assert listing.views_count == 1
    other = Client()  # another visitor
    other.force_login(buyer)
    other.get(paid_auction.get_absolute_url())
    view_counts_flush()
    listing.refresh_from_db()
    assert listing.views_count == 2
    client.force_login(listing.seller)  # the seller's own visits don't count
    client.get(paid_auction.get_absolute_url())
    view_counts_flush()
    listing.refresh_from_db()
    assert listing.views_count == 2
    assert len(mail.outbox) == 0
