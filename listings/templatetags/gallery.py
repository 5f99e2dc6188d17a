"""The listing's photo gallery (listing and auction pages): every photo reachable as a plain link.

Without JavaScript each thumbnail and arrow is a link to ?photo=N (1-based), which this tag reads to
show that photo as the main one; static/js/gallery.js turns the same links into an in-page switch
and a full-screen viewer.
"""

from collections.abc import Sequence
from typing import Any

from django import template

from listings.models import ListingPhoto

register = template.Library()


def gallery_index(value: str | None, count: int) -> int:
    """The 0-based photo asked for by ?photo=N (1-based); the first for anything else."""
    try:
        number = int(value or "")
    except ValueError:
        return 0
    return number - 1 if 1 <= number <= count else 0


@register.inclusion_tag("includes/gallery.html", takes_context=True)
def listing_gallery(context: template.Context, photos: Sequence[ListingPhoto], title: str) -> dict[str, Any]:
    request = context.get("request")
    count = len(photos)
    index = gallery_index(request.GET.get("photo") if request is not None else None, count)
    return {
        "photos": photos,
        "title": title,
        "count": count,
        "current": photos[index] if photos else None,
        "number": index + 1,
        "prev_number": (index - 1) % count + 1 if count else 1,
        "next_number": (index + 1) % count + 1 if count else 1,
    }
