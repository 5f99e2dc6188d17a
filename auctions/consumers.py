"""WebSocket consumer for a live auction page: ws/auctions/<id>/.

On connect (and on {"type": "sync"}, sent by the page on reconnect and tab focus)
the client gets the full current state; after every committed change the
services broadcast it again. Every message carries the server time, so the
countdown runs on the server's clock. Read-only: bids go through the HTTP form.
"""

import asyncio
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from redis.exceptions import RedisError

from auctions.live import auction_group, auction_state_for

# The only message a page sends is {"type": "sync"}; anything longer is refused unread.
MAX_MESSAGE_BYTES = 1024
# A page resyncs on reconnect and tab focus; more often than this it gets no new reads.
SYNC_MIN_INTERVAL = 1.0
# Leaving the group is retried this many times, the waits growing from this many seconds.
DISCARD_ATTEMPTS = 3
DISCARD_RETRY_DELAY = 0.5

logger = logging.getLogger(__name__)


class AuctionConsumer(AsyncJsonWebsocketConsumer):
    auction_id: int
    group: str
    last_sync: float = 0.0

    async def connect(self) -> None:
        self.auction_id = int(self.scope["url_route"]["kwargs"]["pk"])
        state = await self._state()
        if state is None:
            await self.close(code=4404)
            return
        self.group = auction_group(self.auction_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "state", **state})

    async def _state(self) -> dict[str, object] | None:
        """The state if this visitor may see the auction (the pages' and the API's rule), else None."""
        return await database_sync_to_async(auction_state_for)(auction_id=self.auction_id, user=self.scope.get("user"))

    async def disconnect(self, code: int) -> None:
        """Leave the auction's group, or later bids are still queued for this closed page. A failed
        call (Redis briefly unreachable, its pool exhausted) is retried; what still fails is logged,
        and the group's expiry removes the channel in the end."""
        if not getattr(self, "group", None):
            return
        for attempt in range(DISCARD_ATTEMPTS):
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
                return
            except (RedisError, OSError):
                if attempt == DISCARD_ATTEMPTS - 1:
                    logger.exception("leaving %s failed: its bids still reach %s", self.group, self.channel_name)
                    return
                await asyncio.sleep(DISCARD_RETRY_DELAY * (attempt + 1))

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "sync":
            now = time.monotonic()
            if now - self.last_sync < SYNC_MIN_INTERVAL:
                return  # the state sent a moment ago is still current; spare the database
            self.last_sync = now
            state = await self._state()
            if state is None:  # no longer this visitor's to see (as auction_recheck decides)
                await self.close(code=4404)
                return
            await self.send_json({"type": "state", **state})
        else:
            await self.send_json({"type": "error", "server_time": timezone.now().isoformat()})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        size = len(text_data or "") + len(bytes_data or b"")
        try:
            if size > MAX_MESSAGE_BYTES:
                raise ValueError("message too long")
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)
        except (ValueError, RecursionError):  # not JSON, too long or too deeply nested: answer, never crash
            await self.send_json({"type": "error", "server_time": timezone.now().isoformat()})

    async def dispatch(self, message: dict[str, Any]) -> None:
        """A broadcast goes straight to its handler. Channels' own dispatch first runs Django's
        close_old_connections through sync_to_async for every message: one hop to the shared sync
        thread per watcher per bid, which made most of a bid's fan-out to 1 000 pages
        (bench/fanout.py). The broadcast handler touches no database; the handlers that do read
        through database_sync_to_async, which closes old connections itself."""
        if message.get("type") == "auction.state":
            await self.auction_state(message)
        else:
            await super().dispatch(message)

    async def auction_recheck(self, event: dict[str, Any]) -> None:
        """The auction stopped being public: stay only if this page's visitor may still see it (its
        seller, its winner, an operator); otherwise close, as a page opened now would be refused."""
        state = await self._state()
        if state is None:
            await self.close(code=4404)
            return
        await self.send_json({"type": "state", **state})

    async def auction_state(self, event: dict[str, Any]) -> None:
        """A broadcast state: serialised once by the sender for every page (its server_time is the
        moment it was built), sent as it is, not decoded and re-encoded per socket."""
        await self.send(text_data=event["text"])


class NotFoundConsumer(AsyncJsonWebsocketConsumer):
    """Any other WebSocket path (nginx passes all of /ws/): refused at the handshake, as an auction
    this visitor may not see (the server answers a close before accept with HTTP 403). Without it
    Channels' router raised "No route found", a 500 handshake."""

    async def connect(self) -> None:
        await self.close(code=4404)
