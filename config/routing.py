"""WebSocket routes, served by Channels next to the Django HTTP app (config/asgi.py)."""

from django.urls import URLPattern, URLResolver, path, re_path

from auctions.consumers import AuctionConsumer, NotFoundConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/auctions/<int:pk>/", AuctionConsumer.as_asgi()),  # type: ignore[arg-type]
    re_path(r"", NotFoundConsumer.as_asgi()),  # type: ignore[arg-type]
]
