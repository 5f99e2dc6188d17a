"""Search benchmark: 100 000 listings on PostgreSQL, p50/p95 server time of typical searches.

    .venv/bin/python bench/search.py                 # generate (once) and measure
    .venv/bin/python bench/search.py --regenerate    # drop the data and generate again
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_kvartirabar_search .venv/bin/python bench/search.py

Times are measured around the whole request through Django's test client
(routing, form, queries, template), i.e. server time without the network.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the project root, not bench/ (bench/click.py would shadow the click package)
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_kvartirabar_search")
os.environ.update(
    {
        "DEBUG": "1",
        "DATABASE_URL": BENCH_URL,
        "ALLOWED_HOSTS": "testserver",
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "ERROR",
        "FAST_PASSWORD_HASHER": "1",
    }
)
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")  # the project + /bench/ping/

WORDS = [
    "светлая",
    "тёплая",
    "уютная",
    "просторная",
    "квартира",
    "ремонт",
    "евроремонт",
    "мебель",
    "техника",
    "балкон",
    "лоджия",
    "вид",
    "парк",
    "метро",
    "школа",
    "садик",
    "рынок",
    "Чиланзар",
    "Юнусабад",
    "Сергели",
    "Мирабад",
    "тихий",
    "двор",
    "парковка",
    "лифт",
    "кондиционер",
    "газ",
    "документы",
    "торг",
    "срочно",
    "новостройка",
    "кирпич",
    "панель",
    "монолит",
    "угловая",
    "солнечная",
    "сторона",
    "кухня",
    "студия",
    "ипотека",
]
STREETS = ["Амира Темура", "Навои", "Бабура", "Мукими", "Катартал", "Фаргона йули", "Шота Руставели", "Буюк Ипак Йули"]
TOTAL = 100_000


def ensure_database() -> None:
    import psycopg

    name = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def generate(total: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from auctions.models import Auction, AuctionStatus
    from listings.models import (
        Amenity,
        BuildingType,
        District,
        Listing,
        ListingPhoto,
        ListingStatus,
        Market,
        Region,
        Renovation,
    )
    from listings.services import listing_prices

    rng = random.Random(2026)
    now = timezone.now()
    sellers = [
        User.objects.get_or_create(phone=f"+99899{n:07d}", defaults={"first_name": f"Продавец {n}"})[0]
        for n in range(200)
    ]
    regions = list(Region.objects.all())
    districts_by_region: dict[str, list[District]] = {}
    for district in District.objects.all():
        districts_by_region.setdefault(district.region_id, []).append(district)
    amenities = [code for code, _ in Amenity.choices]
    batch: list[Listing] = []
    started = time.perf_counter()
    for index in range(total):
        region = regions[0] if rng.random() < 0.55 else rng.choice(regions)
        district = rng.choice(districts_by_region.get(region.code, [None]))
        rooms = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4, 5])
        area = Decimal(rng.randint(25 + rooms * 12, 45 + rooms * 25))
        floors = rng.choice([4, 5, 9, 9, 12, 16, 20])
        currency = "USD" if rng.random() < 0.3 else "UZS"
        per_m2 = rng.randint(6_000_000, 22_000_000)
        price = area * per_m2
        if currency == "USD":
            price = (price / Decimal(12800)).quantize(Decimal("1"))
        price_uzs, price_m2 = listing_prices(price=price, currency=currency, area=area)
        listing = Listing(
            seller=rng.choice(sellers),
            status=ListingStatus.PUBLISHED if rng.random() < 0.93 else ListingStatus.REVIEW,
            title=f"{rooms or 'Студия'}-комн. квартира, {area} м²",
            description=" ".join(rng.choices(WORDS, k=rng.randint(12, 40))),
            region=region,
            district=district,
            address=f"ул. {rng.choice(STREETS)}, {rng.randint(1, 200)}",
            rooms=rooms,
            area=area,
            floor=rng.randint(1, floors),
            floors_total=floors,
            building_type=rng.choice([c for c, _ in BuildingType.choices]),
            year_built=rng.randint(1960, 2026),
            renovation=rng.choice([c for c, _ in Renovation.choices]),
            market=rng.choice([c for c, _ in Market.choices]),
            amenities=rng.sample(amenities, rng.randint(0, 5)),
            price=price,
            currency=currency,
            price_uzs=price_uzs,
            price_per_m2_uzs=price_m2,
            published_at=now,
        )
        batch.append(listing)
        if len(batch) == 5000 or index == total - 1:
            with transaction.atomic():
                created = Listing.objects.bulk_create(batch)
                photos = [
                    ListingPhoto(
                        listing=x, image=f"bench/{x.pk}-{p}.jpg", thumbnail=f"bench/t{x.pk}-{p}.jpg", position=p
                    )
                    for x in created
                    if rng.random() < 0.8
                    for p in range(rng.randint(1, 6))
                ]
                ListingPhoto.objects.bulk_create(photos, batch_size=5000)
                auctions = []
                for x in created:
                    if rng.random() < 0.03:
                        starts = now - timedelta(hours=rng.randint(1, 72))
                        auctions.append(
                            Auction(
                                listing=x,
                                seller=x.seller,
                                starts_at=starts,
                                ends_at=now + timedelta(hours=rng.randint(1, 24 * 7)),
                                starting_price=x.price_uzs,
                                bid_step=Decimal(1_000_000),
                                status=AuctionStatus.ACTIVE,
                                is_paid=True,
                                paid_at=starts,
                            )
                        )
                Auction.objects.bulk_create(auctions)
            batch = []
            print(f"  {index + 1:>7} listings  {time.perf_counter() - started:6.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


SEARCHES = {
    "newest (no filter)": "",
    "Tashkent, 2 rooms": "region=tashkent_city&rooms=2",
    "district + price range": "region=tashkent_city&district={district}&price_min=400000000&price_max=900000000",
    "USD range, area, not first/last": "price_max=80000&currency=USD&area_min=50&not_first=on&not_last=on",
    "cheapest per m², with photos": "region=tashkent_city&photos=on&sort=price_m2",
    "auction running, ending soonest": "auction=on&sort=ending",
    "ending within 24 h": "ending_soon=on",
    "text: 'евроремонт метро'": "q=евроремонт+метро",
    "text + filters, by price": "q=балкон&region=tashkent_city&rooms=3&sort=price",
    "new build, euro renovation, page 20": "market=new&renovation=euro&page=20",
}


def measure(repeats: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from listings.models import District, Listing

    setup_test_environment()  # so responses carry their template context
    district = District.objects.get(slug="chilanzar").pk
    client = Client()
    print(f"\n{Listing.objects.count():,} listings; {repeats} requests per search (after 3 warm-up requests)\n")
    print(f"{'search':<38} {'results':>8} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    # The baseline: the trivial view (bench/urls.py), through the same client and middleware, same run.
    for _ in range(3):
        client.get("/bench/ping/")
    ping = []
    for _ in range(repeats * 5):
        started = time.perf_counter()
        assert client.get("/bench/ping/").status_code == 200
        ping.append((time.perf_counter() - started) * 1000)
    ping.sort()
    ping_p95 = ping[max(0, int(len(ping) * 0.95) - 1)]
    label = "trivial view /bench/ping/ (baseline)"
    print(f"{label:<38} {'':>8} {0:>7} {statistics.median(ping):>8.1f} {ping_p95:>8.1f}")
    everything: list[float] = []
    for name, query in SEARCHES.items():
        url = "/listings/?" + query.format(district=district)
        for _ in range(3):
            client.get(url)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        reset_queries()  # the request resets the log too: start from empty so the capture sees the request
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        times.sort()
        everything += times
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        count = response.context["page"].paginator.count
        print(f"{name:<38} {count:>8,} {len(ctx.captured_queries):>7} {statistics.median(times):>8.1f} {p95:>8.1f}")
    everything.sort()
    p95_all = everything[int(len(everything) * 0.95) - 1]
    print(f"\n{'all searches':<38} {'':>8} {'':>7} {statistics.median(everything):>8.1f} {p95_all:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--total", type=int, default=TOTAL)
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from listings.models import Listing

    call_command("migrate", verbosity=0)
    if args.regenerate:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE listings_favorite, listings_listingphoto, auctions_bid, auctions_auctionevent, "
                "fees_feerefund, fees_paymentattempt, fees_paymentevent, fees_click_clickinvoice, "
                "auctions_auctionpayment, auctions_auction, listings_listing CASCADE"
            )
    existing = Listing.objects.count()
    if existing < args.total:
        print(f"Generating {args.total - existing:,} listings on {BENCH_URL} …")
        generate(args.total - existing)
    measure(args.repeats)


if __name__ == "__main__":
    main()
