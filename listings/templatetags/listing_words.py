from django import template

from listings.words import rooms_label

register = template.Library()


@register.filter
def rooms(value: int | None) -> str:
    """{{ listing.rooms|rooms }} -> "2-комнатная" / "2 xonali" / "2-room" / "Студия"."""
    return rooms_label(value)
