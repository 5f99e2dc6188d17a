"""Live updates over Channels: the consumer sends the state with the server time on
connect and on "sync", and every committed bid is pushed to open pages."""

from datetime import datetime
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from auctions.bidding import bid_place
from auctions.selectors import auction_bidder_token
from config.routing import websocket_urlpatterns

pytestmark = [pytest.mark.django_db(transaction=True)]

START = Decimal("800000000")


def app():
    return URLRouter(websocket_urlpatterns)


def test_connect_sync_and_broadcast(paid_auction, buyer):
    async def scenario() -> list[dict]:
        first = WebsocketCommunicator(app(), f"/ws/auctions/{paid_auction.pk}/")
        second = WebsocketCommunicator(app(), f"/ws/auctions/{paid_auction.pk}/")
        received = []
        try:
            for communicator in (first, second):
                connected, _sub = await communicator.connect()
                assert connected
                received.append(await communicator.receive_json_from(timeout=5))
            await database_sync_to_async(bid_place)(auction_id=paid_auction.pk, bidder=buyer, amount=START)
            received.append(await first.receive_json_from(timeout=5))
            received.append(await second.receive_json_from(timeout=5))
            await first.send_json_to({"type": "sync"})
            received.append(await first.receive_json_from(timeout=5))
            await first.send_to(text_data="not json")
            received.append(await first.receive_json_from(timeout=5))
        finally:
            await first.disconnect()
            await second.disconnect()
        return received

    before = timezone.now()
    on_connect_1, on_connect_2, pushed_1, pushed_2, synced, error = async_to_sync(scenario)()

    for message in (on_connect_1, on_connect_2):
        assert message["type"] == "state" and message["current_price"] is None and message["bid_count"] == 0
    for message in (pushed_1, pushed_2, synced):
        assert message["type"] == "state"
        assert message["current_price"] == str(int(START))
        assert message["min_next_bid"] == str(int(START + paid_auction.bid_step))
        assert message["leader"] == buyer.masked_phone and buyer.phone not in str(message)
        assert "leader_id" not in message
        assert message["leader_token"] == auction_bidder_token(paid_auction.pk, buyer.pk)
        assert message["bids"][0]["amount"] == str(int(START))
        assert datetime.fromisoformat(message["server_time"]) >= before
        assert message["ends_at"] == paid_auction.ends_at.isoformat()
    assert error["type"] == "error" and "server_time" in error


def test_unknown_auction_is_refused(db):
    async def scenario() -> bool:
        communicator = WebsocketCommunicator(app(), "/ws/auctions/987654/")
        connected, _code = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


def test_hostile_messages_get_an_error_and_the_socket_stays_usable(paid_auction):
    async def scenario() -> tuple[list[dict], dict, bool]:
        communicator = WebsocketCommunicator(app(), f"/ws/auctions/{paid_auction.pk}/")
        try:
            connected, _sub = await communicator.connect()
            assert connected
            await communicator.receive_json_from(timeout=5)  # the state on connect
            answers = []
            for frame in ("[" * 100_000 + "]" * 100_000, '{"type": "sync", "pad": "' + "x" * 5000 + '"}', "[1, 2"):
                await communicator.send_to(text_data=frame)
                answers.append(await communicator.receive_json_from(timeout=5))
            await communicator.send_json_to({"type": "sync"})
            synced = await communicator.receive_json_from(timeout=5)
            # A burst of syncs is answered once: the state just sent is still current.
            for _ in range(20):
                await communicator.send_json_to({"type": "sync"})
            quiet = await communicator.receive_nothing(timeout=0.3)
        finally:
            await communicator.disconnect()
        return answers, synced, quiet

    answers, synced, quiet = async_to_sync(scenario)()
    assert [a["type"] for a in answers] == ["error", "error", "error"]
    assert synced["type"] == "state"
    assert quiet is True


def test_redis_channel_layer_waits_without_a_client_read_timeout(settings):
    """redis-py 8 defaults socket_timeout to 5 s, the same as the layer's blocking BZPOPMIN: an idle
    socket's receive then fails with "Timeout reading from redis" and the page's WebSocket is closed
    with 1011 (channels_redis#422; bench/fanout.py hit it under load). The layer's pool has no read timeout."""
    from channels.layers import get_channel_layer
    from channels_redis.utils import create_pool

    layer = get_channel_layer()
    if type(layer).__name__ != "RedisChannelLayer":
        pytest.skip("no REDIS_URL: the in-memory layer")
    (host,) = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    pool = create_pool(host)
    assert "socket_timeout" in pool.connection_kwargs
    assert pool.connection_kwargs["socket_timeout"] is None


def test_a_broadcast_reaches_pages_without_a_hop_to_the_sync_thread(paid_auction, buyer, monkeypatch):
    """Channels' dispatch runs close_old_connections through sync_to_async before every handler:
    with 1 000 pages that was 1 000 hops to one shared thread per bid, most of the fan-out's
    time (bench/fanout.py). The broadcast handler reads no database and skips it; a "sync",
    which reads the database, still goes through Channels' dispatch."""
    import channels.consumer

    hops: list[str] = []
    original = channels.consumer.aclose_old_connections

    async def counted() -> None:
        hops.append("close_old_connections")
        await original()

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)

    async def scenario() -> tuple[list[str], list[str], dict, dict]:
        communicator = WebsocketCommunicator(app(), f"/ws/auctions/{paid_auction.pk}/")
        try:
            connected, _sub = await communicator.connect()
            assert connected
            await communicator.receive_json_from(timeout=5)
            before = list(hops)
            await database_sync_to_async(bid_place)(auction_id=paid_auction.pk, bidder=buyer, amount=START)
            pushed = await communicator.receive_json_from(timeout=5)
            after_broadcast = list(hops)
            await communicator.send_json_to({"type": "sync"})
            synced = await communicator.receive_json_from(timeout=5)
        finally:
            await communicator.disconnect()
        return before, after_broadcast, pushed, synced

    before, after_broadcast, pushed, synced = async_to_sync(scenario)()
    assert pushed["type"] == "state" and pushed["current_price"] == str(int(START))
    assert after_broadcast == before  # the broadcast: no hop
    assert len(hops) > len(after_broadcast)  # the sync: Channels' dispatch, as before
    assert synced["type"] == "state" and synced["bid_count"] == 1


def test_pages_of_an_auction_that_stops_being_public_are_closed_but_its_sellers(paid_auction, buyer):
    """Its listing is archived after the pages opened (the admin's hand: a save, as its change form
    does): the broadcast after the commit carries no state; a page whose visitor may no longer see
    the auction is closed with 4404, the seller's page gets the state as before."""
    from listings.models import Listing, ListingStatus

    def hide() -> None:
        listing = Listing.objects.get(pk=paid_auction.listing_id)
        listing.status = ListingStatus.ARCHIVED
        listing.save()

    owner = paid_auction.seller

    async def scenario() -> tuple[dict, dict]:
        public = WebsocketCommunicator(app(), f"/ws/auctions/{paid_auction.pk}/")
        public.scope["user"] = buyer
        seller = WebsocketCommunicator(app(), f"/ws/auctions/{paid_auction.pk}/")
        seller.scope["user"] = owner
        try:
            for communicator in (public, seller):
                assert (await communicator.connect())[0]
                await communicator.receive_json_from(timeout=5)
            await database_sync_to_async(hide)()
            closed = await public.receive_output(timeout=5)
            kept = await seller.receive_json_from(timeout=5)
            assert await public.receive_nothing(timeout=0.2)
        finally:
            await public.disconnect()
            await seller.disconnect()
        return closed, kept

    closed, kept = async_to_sync(scenario)()
    assert closed == {"type": "websocket.close", "code": 4404}
    assert kept["type"] == "state" and kept["auction_id"] == paid_auction.pk


@pytest.mark.parametrize(
    "path", ["/ws/auctions/abc/", "/ws/auctions/-1/", "/ws/auctions/1", "/ws/x/", "/ws/auctions/٣/"]
)
def test_any_other_websocket_path_is_refused_with_4404(db, path):
    async def scenario() -> tuple[bool, int]:
        communicator = WebsocketCommunicator(app(), path)
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(scenario)() == (False, 4404)


def test_a_sync_after_the_auction_stopped_being_public_closes_the_page(paid_auction, buyer):
    from listings.models import Listing, ListingStatus

    async def scenario() -> dict:
        communicator = WebsocketCommunicator(app(), f"/ws/auctions/{paid_auction.pk}/")
        communicator.scope["user"] = buyer
        try:
            assert (await communicator.connect())[0]
            await communicator.receive_json_from(timeout=5)
            await database_sync_to_async(
                lambda: Listing.objects.filter(pk=paid_auction.listing_id).update(status=ListingStatus.ARCHIVED)
            )()
            await communicator.send_json_to({"type": "sync"})
            return await communicator.receive_output(timeout=5)
        finally:
            await communicator.disconnect()

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": 4404}
