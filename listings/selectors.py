from django.db.models import Prefetch, QuerySet

from listings.models import Listing, ListingPhoto


def listings_with_photos(qs: QuerySet[Listing] | None = None) -> QuerySet[Listing]:
    qs = qs if qs is not None else Listing.objects.all()
    return qs.select_related("seller").prefetch_related(
        Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id"))
    )


def listings_newest(*, limit: int = 12) -> QuerySet[Listing]:
    return listings_with_photos()[:limit]


def listings_of_seller(*, seller_id: int) -> QuerySet[Listing]:
    return listings_with_photos(Listing.objects.filter(seller_id=seller_id))
