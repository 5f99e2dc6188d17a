"""The buyer's bids (/dashboard/bids/): one row per auction they bid on, where they stand in it
(leading, outbid, won, lost, unsold, cancelled), their hidden maximum for their eyes only, in a
bounded number of queries, in every language."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auctions.bidding import bid_place, bid_remove
from auctions.lifecycle import auction_cancel, auction_sync
from auctions.models import Auction, Bid
from core.formatting import format_amount
from listings.models import ListingPhoto

pytestmark = pytest.mark.django_db
URL = "/dashboard/bids/"
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
M = Decimal(1_000_000)


def _end(auction: Auction, *, record: bool) -> None:
    """Move the auction's end into the past; `record` runs the job (else only the clock has decided)."""
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    if record:
        auction_sync(auction_id=auction.pk)


def _rows(client) -> dict[int, str]:
    """{auction id: state} of the rows on the signed-in user's page, in page order."""
    page = client.get(URL).content.decode()
    return {int(pk): state for pk, state in re.findall(r'data-auction="(\d+)" data-state="(\w+)"', page)}


def _row(page: str, auction: Auction) -> str:
    match = re.search(rf'<tr data-testid="my-bid" data-auction="{auction.pk}".*?</tr>', page, re.S)
    assert match, f"no row for auction #{auction.pk}"
    return match.group(0)


def _soum(amount: Decimal) -> str:
    return format_amount(amount)


@pytest.fixture
def rival(make_user):
    return make_user(first_name="Соперник")


@pytest.fixture
def running(seller, make_listing, make_paid_auction):
    """make_running("title"): a paid auction that started five minutes ago, on a new listing."""

    def _make(title: str, **kwargs) -> Auction:
        return make_paid_auction(make_listing(seller, title=title), starts_in=-timedelta(minutes=5), **kwargs)

    return _make


@pytest.fixture
def every_state(buyer, rival, running, make_operator):
    """One auction of the buyer's in each state, and one the buyer never bid on."""
    leading = running("Лидирую")
    bid_place(auction_id=leading.pk, bidder=buyer, amount=800 * M, max_amount=912 * M)

    outbid = running("Перебили")
    bid_place(auction_id=outbid.pk, bidder=buyer, amount=800 * M, max_amount=820 * M)
    bid_place(auction_id=outbid.pk, bidder=rival, amount=850 * M, max_amount=987 * M)

    won = running("Выиграл")
    bid_place(auction_id=won.pk, bidder=rival, amount=800 * M)
    bid_place(auction_id=won.pk, bidder=buyer, amount=810 * M)
    _end(won, record=True)

    lost = running("Проиграл")
    bid_place(auction_id=lost.pk, bidder=buyer, amount=800 * M)
    bid_place(auction_id=lost.pk, bidder=rival, amount=830 * M)
    _end(lost, record=False)  # only the clock has ended it: the page says so before the job records it

    unsold = running("Резерв")
    Auction.objects.filter(pk=unsold.pk).update(reserve_price=950 * M)
    bid_place(auction_id=unsold.pk, bidder=buyer, amount=800 * M)
    _end(unsold, record=True)

    cancelled = running("Отменён")
    bid_place(auction_id=cancelled.pk, bidder=buyer, amount=800 * M)
    auction_cancel(auction_id=cancelled.pk, user=make_operator(), reason="Объявление с ошибкой")

    not_mine = running("Чужой")
    bid_place(auction_id=not_mine.pk, bidder=rival, amount=800 * M, max_amount=876 * M)
    return {
        "leading": leading,
        "outbid": outbid,
        "won": won,
        "lost": lost,
        "unsold": unsold,
        "cancelled": cancelled,
        "not_mine": not_mine,
    }


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login/?next={URL}"


def test_each_state_is_shown_to_the_bidder(client, buyer, every_state):
    client.force_login(buyer)
    assert _rows(client) == {
        every_state[name].pk: name for name in ("cancelled", "unsold", "lost", "won", "outbid", "leading")
    }
    page = client.get(URL).content.decode()
    assert "Вы лидируете" in _row(page, every_state["leading"])
    outbid = _row(page, every_state["outbid"])
    assert "Ставку перебили" in outbid
    assert f'href="{every_state["outbid"].get_absolute_url()}#bid"' in outbid  # bid again
    assert _soum(850 * M) in outbid  # the current price; beside it the buyer's highest bid: their proxy's
    assert _soum(820 * M) in outbid
    won = _row(page, every_state["won"])
    assert "Вы выиграли" in won
    # What happens next, as the auction page tells the winner: call the seller, whose phone is given.
    assert "Позвоните продавцу" in won
    assert every_state["won"].seller.phone in won
    lost = _row(page, every_state["lost"])
    assert "Победил другой участник" in lost
    assert every_state["lost"].seller.phone not in lost  # contacts go to the winner only
    assert "Завершён" in lost  # the status by the clock, though the job has not recorded the end
    assert "Резервная цена не достигнута" in _row(page, every_state["unsold"])
    assert "Аукцион отменён" in _row(page, every_state["cancelled"])


def test_the_rival_sees_their_own_states(client, rival, every_state):
    client.force_login(rival)
    rows = _rows(client)
    assert rows == {
        every_state["not_mine"].pk: "leading",
        every_state["lost"].pk: "won",
        every_state["won"].pk: "lost",
        every_state["outbid"].pk: "leading",
    }


def test_nobody_sees_anyone_elses_bids_or_hidden_maximum(client, buyer, rival, every_state):
    client.force_login(buyer)
    page = client.get(URL).content.decode()
    assert "Чужой" not in page  # an auction only the rival bid on
    assert _soum(912 * M) in _row(page, every_state["leading"])  # the buyer's own maximum
    for rivals_max in (987 * M, 876 * M):
        assert _soum(rivals_max) not in page
    client.force_login(rival)
    page = client.get(URL).content.decode()
    assert _soum(987 * M) in _row(page, every_state["outbid"])
    assert "Лидирую" not in page and _soum(912 * M) not in page
    # Nor does the public auction page show a hidden maximum.
    client.logout()
    assert _soum(912 * M) not in client.get(every_state["leading"].get_absolute_url()).content.decode()


def test_a_leaders_maximum_raised_without_a_bid_is_shown(client, buyer, running):
    auction = running("Поднял максимум")
    bid_place(auction_id=auction.pk, bidder=buyer, amount=800 * M)
    client.force_login(buyer)
    assert "—" in _row(client.get(URL).content.decode(), auction)  # no maximum sent: nothing hidden
    bid_place(auction_id=auction.pk, bidder=buyer, amount=None, max_amount=934 * M)
    assert _soum(934 * M) in _row(client.get(URL).content.decode(), auction)


@pytest.mark.parametrize("ended", [False, True])
def test_an_outbid_bidders_maximum_raised_without_a_bid_is_shown(client, buyer, rival, running, ended):
    """A leader may raise their maximum without a new bid (the auction page, the API: bid_place with
    amount=None): the raise is on no bid row, only in the engine's record (a MAX_RAISED event, which a
    replay reads). Once outbid, or once the auction is lost, "Ваш максимум" showed the 820 million sent
    with the bid, below the 900 the proxy then bid for them."""
    auction = running("Поднял и перебили")
    bid_place(auction_id=auction.pk, bidder=buyer, amount=800 * M, max_amount=820 * M)
    bid_place(auction_id=auction.pk, bidder=buyer, amount=None, max_amount=900 * M)  # leads: max only
    bid_place(auction_id=auction.pk, bidder=rival, amount=850 * M, max_amount=987 * M)
    auction.refresh_from_db()
    assert auction.leader_id == rival.pk and auction.current_price == 901 * M  # the buyer's 900 was bid
    if ended:
        _end(auction, record=True)
    client.force_login(buyer)
    assert _rows(client) == {auction.pk: "lost" if ended else "outbid"}
    max_cell = re.search(
        r'data-testid="my-bid-max">(.*?)</td>', _row(client.get(URL).content.decode(), auction), re.S
    ).group(1)
    assert _soum(900 * M) in max_cell and _soum(820 * M) not in max_cell
    # A raise is its raiser's only: the rival never raised without a bid, so none is theirs.
    from auctions.selectors import auctions_bid_on

    assert auctions_bid_on(user=rival).get(pk=auction.pk).my_max_raised is None
    assert auctions_bid_on(user=buyer).get(pk=auction.pk).my_max_raised == 900 * M


def test_removed_bids_count_as_on_the_auction_page(client, buyer, rival, running, make_operator):
    operator = make_operator()
    gone = running("Ставку удалили")
    bid_place(auction_id=gone.pk, bidder=buyer, amount=800 * M)
    bid_remove(bid_id=Bid.objects.get(auction=gone, bidder=buyer).pk, admin=operator, reason="Ошибка")

    replayed = running("Пересчитан")
    bid_place(auction_id=replayed.pk, bidder=buyer, amount=800 * M)
    bid_place(auction_id=replayed.pk, bidder=rival, amount=801 * M)
    top = bid_place(auction_id=replayed.pk, bidder=buyer, amount=845 * M)
    bid_remove(bid_id=top.pk, admin=operator, reason="Ошибка")

    client.force_login(buyer)
    assert _rows(client) == {replayed.pk: "outbid"}  # the rival leads again after the replay
    row = _row(client.get(URL).content.decode(), replayed)
    assert _soum(845 * M) not in row and _soum(800 * M) in row


def test_newest_activity_first_and_pages(client, buyer, rival, running, monkeypatch):
    monkeypatch.setattr("dashboard.views.MY_BIDS_PAGE_SIZE", 2)
    first, second, third = (running(f"Торг {n}") for n in range(3))
    for auction in (first, second, third):
        bid_place(auction_id=auction.pk, bidder=buyer, amount=800 * M)
    client.force_login(buyer)
    assert list(_rows(client)) == [third.pk, second.pk]
    bid_place(auction_id=first.pk, bidder=rival, amount=810 * M)  # something happened to the first
    assert list(_rows(client)) == [first.pk, third.pk]
    page_two = client.get(f"{URL}?page=2").content.decode()
    assert f'data-auction="{second.pk}"' in page_two and "2 / 2" in page_two


def test_no_bids_yet_points_to_running_auctions(client, buyer):
    client.force_login(buyer)
    page = client.get(URL).content.decode()
    assert 'data-testid="my-bids-empty"' in page
    assert 'href="/#auctions"' in page


def test_linked_from_the_header_and_the_dashboard(client, buyer):
    client.force_login(buyer)
    assert f'href="{URL}"' in client.get("/").content.decode()
    assert f'href="{URL}"' in client.get("/dashboard/").content.decode()
    client.logout()
    assert f'href="{URL}"' not in client.get("/").content.decode()


def test_the_page_costs_the_same_queries_for_one_row_or_many(client, buyer, rival, running):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    client.force_login(buyer)
    auction = running("Первый")
    ListingPhoto.objects.create(listing=auction.listing, image="listings/a.jpg", thumbnail="listings/thumbs/a.jpg")
    bid_place(auction_id=auction.pk, bidder=buyer, amount=800 * M)
    one = queries()
    for n in range(7):
        auction = running(f"Ещё {n}")
        ListingPhoto.objects.create(listing=auction.listing, image=f"listings/{n}.jpg")
        bid_place(auction_id=auction.pk, bidder=buyer, amount=800 * M, max_amount=900 * M)
        bid_place(auction_id=auction.pk, bidder=rival, amount=850 * M)
        if n % 2:
            _end(auction, record=True)
    many = queries()
    assert many == one
    assert one <= 7  # session, user, count, rows (listing, place, seller joined in), photos: and a margin


@pytest.mark.parametrize("language", ["uz", "en"])
def test_the_page_has_no_russian_in_uzbek_and_english(client, make_user, make_listing, make_paid_auction, language):
    """Every state's words translated (the data, a listing title or a name, is the seller's)."""
    seller = make_user(first_name="Aziz")
    buyer = make_user(first_name="Dilnoza")
    rival = make_user(first_name="Rustam")

    def running(title: str) -> Auction:
        return make_paid_auction(make_listing(seller, title=title), starts_in=-timedelta(minutes=5))

    leading, outbid, won, lost, unsold = (running(f"Flat {n}") for n in range(5))
    bid_place(auction_id=leading.pk, bidder=buyer, amount=800 * M, max_amount=900 * M)
    bid_place(auction_id=outbid.pk, bidder=buyer, amount=800 * M)
    bid_place(auction_id=outbid.pk, bidder=rival, amount=810 * M)
    bid_place(auction_id=won.pk, bidder=buyer, amount=800 * M)
    _end(won, record=True)
    bid_place(auction_id=lost.pk, bidder=buyer, amount=800 * M)
    bid_place(auction_id=lost.pk, bidder=rival, amount=810 * M)
    _end(lost, record=True)
    Auction.objects.filter(pk=unsold.pk).update(reserve_price=950 * M)
    bid_place(auction_id=unsold.pk, bidder=buyer, amount=800 * M)
    _end(unsold, record=True)
    operator = make_user(is_staff=True, is_superuser=True, first_name="Admin")
    cancelled = running("Flat 6")
    bid_place(auction_id=cancelled.pk, bidder=buyer, amount=800 * M)
    auction_cancel(auction_id=cancelled.pk, user=operator, reason="test")

    client.force_login(buyer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(URL).content.decode()
    assert len(_rows(client)) == 6
    body = re.search(r"<body>(.*)</body>", page, re.S).group(1)  # type: ignore[union-attr]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    words = re.sub(r"<[^>]+>", " ", body) + " ".join(re.findall(r'(?:data-label|data-units|title)="([^"]*)"', body))
    russian = sorted({line.strip() for line in words.splitlines() if CYRILLIC.search(line)})
    assert russian == []
    # The empty page too.
    client.force_login(make_user(first_name="Kamola"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    empty = client.get(URL).content.decode()
    assert 'data-testid="my-bids-empty"' in empty
    assert not CYRILLIC.search(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", empty, flags=re.S)))
