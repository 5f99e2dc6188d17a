"""WebSocket routes, served by Channels next to the Django HTTP app (config/asgi.py)."""

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
