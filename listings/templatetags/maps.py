"""The map's settings as attributes of its element (static/js/map.js reads them)."""

from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def map_tile_attrs() -> str:
    """data-tiles (the tile URL template, empty: no tiles) and data-attribution (HTML Leaflet shows)."""
    return format_html('data-tiles="{}" data-attribution="{}"', settings.MAP_TILE_URL, settings.MAP_TILE_ATTRIBUTION)
