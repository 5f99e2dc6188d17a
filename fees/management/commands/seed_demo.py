"""Demo data for `make run`: users with printed credentials, listings, auctions in every state.

Development only: it refuses to run with DEBUG off unless told `--i-know-this-is-production`.
Passwords are random, made at each run that creates or (with DEBUG on) refreshes the demo
accounts, and printed then; none is in the source."""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from auctions.bidding import bid_place
from auctions.lifecycle import auction_cancel, auction_create, auction_sync
from auctions.models import Auction
from fees.demo import fee_pay_offline
from fees.services import fee_initiate
from listings.demo_images import demo_photo
from listings.models import District, Listing, ListingStatus
from listings.services import listing_approve, listing_create

DEMO_USERS = [
    # phone, name, is_staff
    ("+998900000001", "Администратор", True),
    ("+998900000002", "Дилшод (продавец)", False),
    ("+998900000003", "Малика (покупатель)", False),
    ("+998900000004", "Азиз (покупатель)", False),
]
PRODUCTION_FLAG = "--i-know-this-is-production"


def demo_password() -> str:
    return secrets.token_urlsafe(12)


# title, district slug, address, rooms (0 = studio), area, floor, floors, price, extra fields
DEMO_LISTINGS: list[tuple[str, str, str, int, str, int, int, str, dict]] = [
    (
        "3-комнатная квартира у метро Минор",
        "yunusabad",
        "ул. Амира Темура, 107",
        3,
        "82.5",
        5,
        9,
        "1250000000",
        {
            "living_area": "54",
            "kitchen_area": "12",
            "building_type": "brick",
            "year_built": 1988,
            "renovation": "euro",
            "amenities": ["balcony", "elevator", "gas", "internet", "air_conditioning"],
            "latitude": "41.327500",
            "longitude": "69.283900",
        },
    ),
    (
        "2-комнатная с ремонтом в Чиланзаре",
        "chilanzar",
        "квартал 9, дом 14",
        2,
        "56",
        3,
        4,
        "780000000",
        {
            "living_area": "34",
            "kitchen_area": "8",
            "building_type": "panel",
            "year_built": 1979,
            "renovation": "cosmetic",
            "amenities": ["balcony", "gas", "furniture"],
        },
    ),
    (
        "Светлая 1-комнатная в новостройке",
        "mirzo-ulugbek",
        "ул. Буюк Ипак Йули, 45",
        1,
        "42",
        11,
        16,
        "61000",
        {
            "living_area": "20",
            "kitchen_area": "10",
            "building_type": "monolith",
            "year_built": 2024,
            "renovation": "shell",
            "market": "new",
            "amenities": ["elevator", "parking", "security", "playground"],
        },
    ),
    (
        "4-комнатная квартира в центре",
        "shaykhantakhur",
        "ул. Навои, 30",
        4,
        "118",
        2,
        5,
        "1890000000",
        {
            "living_area": "80",
            "kitchen_area": "16",
            "building_type": "brick",
            "year_built": 1965,
            "renovation": "designer",
            "amenities": ["balcony", "furniture", "appliances", "air_conditioning", "gas"],
        },
    ),
    (
        "2-комнатная с видом на парк",
        "yakkasaray",
        "ул. Шота Руставели, 12",
        2,
        "61",
        7,
        12,
        "920000000",
        {
            "kitchen_area": "11",
            "building_type": "monolith",
            "year_built": 2019,
            "renovation": "euro",
            "market": "new",
            "amenities": ["elevator", "parking", "internet"],
        },
    ),
    (
        "Студия для инвестиции",
        "sergeli",
        "ул. Янги Сергели, 5",
        0,
        "31",
        4,
        9,
        "395000000",
        {
            "building_type": "block",
            "year_built": 2023,
            "renovation": "cosmetic",
            "market": "new",
            "amenities": ["elevator", "furniture"],
        },
    ),
    (
        "3-комнатная в Мирабадском районе",
        "mirabad",
        "ул. Афросиаб, 4",
        3,
        "74",
        1,
        4,
        "98000",
        {"building_type": "brick", "year_built": 1972, "renovation": "none", "amenities": ["gas"]},
    ),
    (
        "2-комнатная у Самаркандского вокзала",
        "samarkand-city",
        "ул. Рудаки, 210",
        2,
        "52",
        2,
        5,
        "480000000",
        {"building_type": "panel", "year_built": 1985, "renovation": "cosmetic", "amenities": ["balcony", "gas"]},
    ),
]


class Command(BaseCommand):
    help = "Load demo users, listings and auctions (idempotent). Development only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            PRODUCTION_FLAG,
            action="store_true",
            dest="production",
            help="run although DEBUG is off (demo accounts, a superuser among them, on a real site)",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG and not options["production"]:
            raise CommandError(
                "seed_demo creates demo accounts, a superuser among them: it runs only with DEBUG on. "
                f"To load them on this DEBUG=0 site anyway, add {PRODUCTION_FLAG}."
            )
        passwords = {phone: demo_password() for phone, _name, _staff in DEMO_USERS}
        if not User.objects.filter(phone=DEMO_USERS[0][0]).exists():
            self._create(passwords)
        elif settings.DEBUG:
            # A development database: fresh passwords each run, so they can be printed again.
            for user in User.objects.filter(phone__in=passwords):
                user.set_password(passwords[user.phone])
                user.save(update_fields=["password"])
        else:
            self.stdout.write("Demo accounts exist; their passwords were printed when they were made.")
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts (phone / password):"))
        for phone, name, _staff in DEMO_USERS:
            self.stdout.write(f"  {name:<22} {phone} / {passwords[phone]}")

    def _create(self, passwords: dict[str, str]) -> None:
        users = []
        for phone, name, staff in DEMO_USERS:
            password = passwords[phone]
            if staff:
                users.append(User.objects.create_superuser(phone=phone, password=password, first_name=name))
            else:
                users.append(
                    User.objects.create_user(
                        phone=phone, password=password, first_name=name, phone_verified_at=timezone.now()
                    )
                )
        _admin, seller, buyer, buyer2 = users
        listings = []
        for index, row in enumerate(DEMO_LISTINGS):
            title, district_slug, address, rooms, area, floor, floors, price, extra = row
            district = District.objects.get(slug=district_slug)
            fields: dict = dict(extra)
            for name in ("living_area", "kitchen_area", "latitude", "longitude"):
                if name in fields:
                    fields[name] = Decimal(fields[name])
            photos = [
                SimpleUploadedFile(f"demo-{index}-{position}.jpg", demo_photo(index * 10 + position), "image/jpeg")
                for position in range(3)
            ]
            listing = listing_create(
                seller=seller,
                photos=photos,
                title=title,
                description="Тёплая квартира, документы готовы, рядом школа, детский сад и остановка.",
                region=district.region,
                district=district,
                address=address,
                rooms=rooms,
                area=Decimal(area),
                floor=floor,
                floors_total=floors,
                price=Decimal(price),
                currency="USD" if Decimal(price) < 1_000_000 else "UZS",
                **fields,
            )
            if listing.status != ListingStatus.PUBLISHED:  # LISTINGS_AUTO_APPROVE off: the admin approves the demo
                listing = listing_approve(listing=listing, moderator=_admin)
            listings.append(listing)

        now = timezone.now()
        step = Decimal("5000000")

        def new_auction(listing: Listing, starts: timedelta, length: timedelta, price: str) -> Auction:
            return auction_create(
                seller=seller,
                listing=listing,
                starts_at=now + starts,
                ends_at=now + starts + length,
                starting_price=Decimal(price),
                bid_step=step,
            )

        # Active, with bids.
        active = new_auction(listings[0], -timedelta(hours=5), timedelta(days=3), "1100000000")
        fee_pay_offline(fee_initiate(auction_id=active.pk, user=seller))
        for bidder, amount in ((buyer, "1100000000"), (buyer2, "1110000000"), (buyer, "1125000000")):
            bid_place(auction_id=active.pk, bidder=bidder, amount=Decimal(amount))
        # Active, ending soon, no bids yet.
        soon = new_auction(listings[4], -timedelta(hours=20), timedelta(hours=23), "850000000")
        fee_pay_offline(fee_initiate(auction_id=soon.pk, user=seller))
        # Scheduled (paid, starts tomorrow).
        scheduled = new_auction(listings[1], timedelta(days=1), timedelta(days=5), "700000000")
        fee_pay_offline(fee_initiate(auction_id=scheduled.pk, user=seller))
        # Waiting for the fee.
        pending = new_auction(listings[2], timedelta(hours=2), timedelta(days=4), "700000000")
        fee_initiate(auction_id=pending.pk, user=seller)
        # Ended with a winner: run it live, then move its window into the past
        # (demo data only) and let the periodic job record the result.
        ended = new_auction(listings[3], -timedelta(hours=1), timedelta(days=1), "1800000000")
        fee_pay_offline(fee_initiate(auction_id=ended.pk, user=seller))
        bid_place(auction_id=ended.pk, bidder=buyer2, amount=Decimal("1800000000"))
        bid_place(auction_id=ended.pk, bidder=buyer, amount=Decimal("1850000000"))
        Auction.objects.filter(pk=ended.pk).update(starts_at=now - timedelta(days=8), ends_at=now - timedelta(days=1))
        auction_sync(auction_id=ended.pk)
        # Cancelled by the seller before payment.
        cancelled = new_auction(listings[5], timedelta(days=2), timedelta(days=3), "390000000")
        auction_cancel(auction_id=cancelled.pk, user=seller)
        self.stdout.write(f"Created {len(listings)} listings and 6 auctions.")
