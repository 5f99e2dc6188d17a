"""gunicorn worker classes of the WebSocket service (deploy/gunicorn.conf.py picks them)."""

from uvicorn_worker import UvicornWorker


class WebSocketWorker(UvicornWorker):
    """uvicorn's worker without permessage-deflate.

    Browsers offer the extension on every socket and uvicorn accepts it by default, so each
    broadcast was compressed once per watcher (the text is serialised once for all of them,
    auctions.live.auction_state_broadcast) and every socket kept its own zlib contexts. The live
    messages are a few hundred bytes of JSON: compressing them saves little, costs CPU per watcher
    on every bid and memory per socket (bench/fanout.py, 1 000 watchers, two runs each: p95
    105-182 ms with it, 101-116 ms without; docs/benchmarks.md).
    """

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "ws_per_message_deflate": False}
