from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from listings.models import Listing, ListingPhoto


def listing_create(*, seller: User, photos: Sequence[UploadedFile] = (), **fields: Any) -> Listing:
    with transaction.atomic():
        listing = Listing(seller=seller, **fields)
        listing.full_clean()
        listing.save()
        for position, photo in enumerate(photos):
            ListingPhoto.objects.create(listing=listing, image=photo, position=position)
    return listing
