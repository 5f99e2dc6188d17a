#!/usr/bin/env python
"""Search and page benchmark: N listings on PostgreSQL, production settings over HTTP.

    flock /tmp/kb-bench.lock .venv/bin/python bench/search.py                     # 100,000 listings
    flock /tmp/kb-bench.lock .venv/bin/python bench/search.py --listings 1000000  # the 1M run
    .venv/bin/python bench/search.py --explain       # also print EXPLAIN ANALYZE of the main queries
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_kb_search .venv/bin/python bench/search.py

The server is the production one as deployed (gunicorn -c deploy/gunicorn.conf.py config.wsgi:
gthread workers, warmed and frozen before their first request), or with --server sync plain
gunicorn sync workers (bench.wsgi) as this script used before; DEBUG=0, PostgreSQL and Redis
(REDIS_URL, default redis://127.0.0.1:6379/0). Both serve the trivial view /bench/ping/. One sequential keep-alive
client measures, per request, the time from sending it to the last byte of the answer: the
trivial view /bench/ping/ of the same server first, then each kind of search, then the home,
listing and auction pages. Invariants are checked afterwards (the counts and first pages are
the database's own answer); the script exits 1 if one is broken.

The data is generated in SQL (INSERT … SELECT generate_series): 100,000 listings take seconds,
1,000,000 a few minutes. It is kept between runs while the count matches (--regenerate to redo).
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/click.py ≠ click)

import httpx  # noqa: E402

from bench.common import Server, migrate, percentiles, production_env  # noqa: E402

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_kvartirabar_search")

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
AMENITIES = ["balcony", "elevator", "parking", "furniture", "appliances", "air_conditioning", "gas", "internet"]

# name -> query string; {district} is Chilanzar's id.
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
    "text: place 'Chilonzor' (Latin)": "q=Chilonzor",
    "new build, euro renovation, page 20": "market=new&renovation=euro&page=20",
    "newest, page 40 (deep)": "page=40",
    "price desc, page 40 (deep)": "sort=-price&page=40",
}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", "--total", type=int, default=100_000, dest="listings")
    parser.add_argument("--regenerate", action="store_true", help="drop the data and generate it again")
    parser.add_argument("--repeats", type=int, default=40, help="measured requests per search kind and page")
    parser.add_argument(
        "--server", choices=("deployed", "sync"), default="deployed", help="the deployed config, or sync workers"
    )
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: the config's; sync: 2)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the main search queries")
    return parser.parse_args()


def ensure_database() -> None:
    import psycopg

    name = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE listings_favorite, listings_listingphoto, auctions_bid, auctions_auctionevent, "
            "auctions_auctionwatch, fees_feerefund, fees_paymentattempt, fees_paymentevent, "
            "fees_click_clickinvoice, auctions_auctionpayment, auctions_auction, listings_listing CASCADE"
        )


def generate(total: int) -> None:
    """`total` listings in SQL: 93 % published, 55 % in Tashkent, 30 % priced in dollars, 80 % with
    1–6 photos, 3 % with a running auction; created over the last ~year, the newest last."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from listings.models import District, Region

    started = time.perf_counter()
    for n in range(200):
        User.objects.get_or_create(phone=f"+99899{n:07d}", defaults={"first_name": f"Продавец {n}"})
    sellers = list(User.objects.filter(phone__startswith="+99899").order_by("id").values_list("id", flat=True))
    tashkent = list(District.objects.filter(region_id=Region.TASHKENT_CITY).values_list("id", "region_id"))
    others = list(District.objects.exclude(region_id=Region.TASHKENT_CITY).values_list("id", "region_id"))
    rate = int(settings.USD_UZS_RATE)
    now = timezone.now()
    chunk = 100_000
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")
        for first in range(0, total, chunk):
            last = min(total, first + chunk)
            cursor.execute(
                """
                WITH g AS (
                    SELECT i,
                           (random() < 0.55) AS tash, random() AS dr,
                           (ARRAY[0,1,1,2,2,2,3,3,4,5])[1 + floor(random() * 10)::int] AS rooms,
                           (ARRAY[4,5,9,9,12,16,20])[1 + floor(random() * 7)::int] AS floors,
                           (random() < 0.3) AS usd,
                           6000000 + floor(random() * 16000000)::bigint AS per_m2,
                           random() AS r1, random() AS r2, random() AS r3, random() AS r4
                    FROM generate_series(%(first)s, %(last)s - 1) AS i
                ), h AS (
                    SELECT g.*,
                           CASE WHEN tash THEN (%(tash_ids)s::bigint[])[1 + floor(dr * %(tash_n)s)::int]
                                ELSE (%(other_ids)s::bigint[])[1 + floor(dr * %(other_n)s)::int] END AS district,
                           CASE WHEN tash THEN (%(tash_regions)s::text[])[1 + floor(dr * %(tash_n)s)::int]
                                ELSE (%(other_regions)s::text[])[1 + floor(dr * %(other_n)s)::int] END AS region,
                           (25 + rooms * 12 + floor(r1 * (21 + rooms * 13)))::numeric AS area
                    FROM g
                ), p AS (
                    SELECT h.*, area * per_m2 AS price_uzs_raw FROM h
                )
                INSERT INTO listings_listing (
                    seller_id, status, rejection_reason, title, description, region_id, district_id, address,
                    rooms, area, floor, floors_total, building_type, year_built, renovation, market, amenities,
                    price, currency, price_uzs, price_per_m2_uzs, views_count, published_at, operator_test,
                    created_at, updated_at)
                SELECT
                    (%(sellers)s::bigint[])[1 + (i %% %(sellers_n)s)],
                    CASE WHEN r2 < 0.93 THEN 'published' ELSE 'review' END,
                    '',
                    CASE WHEN rooms = 0 THEN 'Студия' ELSE rooms::text END || '-комн. квартира, ' || area || ' м²',
                    array_to_string(ARRAY(
                        SELECT (%(words)s::text[])[1 + floor(random() * %(words_n)s)::int]
                        FROM generate_series(1, 12 + (i %% 29) + 0 * i)), ' '),
                    region, district,
                    'ул. ' || (%(streets)s::text[])[1 + (i %% 8)] || ', ' || (1 + (i::bigint * 7919) %% 200),
                    rooms, area, 1 + floor(r3 * floors)::int, floors,
                    (ARRAY['panel','brick','monolith','block','other'])[1 + (i %% 5)],
                    1960 + (i %% 67),
                    (ARRAY['none','shell','cosmetic','euro','designer'])[1 + ((i / 5) %% 5)],
                    (ARRAY['resale','new'])[1 + ((i / 3) %% 2)],
                    to_jsonb((%(amenities)s::text[])[1:(i %% 6)]),
                    CASE WHEN usd THEN round(price_uzs_raw / %(rate)s) ELSE price_uzs_raw END,
                    CASE WHEN usd THEN 'USD' ELSE 'UZS' END,
                    CASE WHEN usd THEN round(price_uzs_raw / %(rate)s) * %(rate)s ELSE price_uzs_raw END,
                    round(CASE WHEN usd THEN round(price_uzs_raw / %(rate)s) * %(rate)s
                               ELSE price_uzs_raw END / area),
                    0, %(now)s, false,
                    %(now)s - make_interval(secs => (%(total)s - i) * 300.0 + r4 * 60),
                    %(now)s
                FROM p ORDER BY i
                """,
                {
                    "first": first,
                    "last": last,
                    "total": total,
                    "now": now,
                    "rate": rate,
                    "sellers": sellers,
                    "sellers_n": len(sellers),
                    "tash_ids": [d for d, _ in tashkent],
                    "tash_regions": [r for _, r in tashkent],
                    "tash_n": len(tashkent),
                    "other_ids": [d for d, _ in others],
                    "other_regions": [r for _, r in others],
                    "other_n": len(others),
                    "words": WORDS,
                    "words_n": len(WORDS),
                    "streets": STREETS,
                    "amenities": AMENITIES,
                },
            )
            print(f"  {last:>9,} listings  {time.perf_counter() - started:6.1f} s", flush=True)
        cursor.execute(
            """
            INSERT INTO listings_listingphoto (listing_id, image, thumbnail, position)
            SELECT l.id, 'bench/' || l.id || '-' || p || '.jpg', 'bench/t' || l.id || '-' || p || '.jpg', p
            FROM listings_listing l CROSS JOIN LATERAL generate_series(0, (l.id * 31) % 6) AS p
            WHERE l.id % 5 <> 0
            """
        )
        print(f"  photos               {time.perf_counter() - started:6.1f} s", flush=True)
        cursor.execute(
            """
            INSERT INTO auctions_auction (
                listing_id, seller_id, starts_at, ends_at, original_ends_at, starting_price, bid_step, status,
                is_paid, paid_at, bid_count, extension_count, created_at, updated_at, listing_created_at)
            SELECT l.id, l.seller_id, %(now)s - make_interval(hours => 1 + (l.id %% 72)::int),
                   %(now)s + make_interval(hours => 1 + ((l.id * 13) %% 168)::int),
                   %(now)s + make_interval(hours => 1 + ((l.id * 13) %% 168)::int),
                   l.price_uzs, 1000000, 'active', true, %(now)s - make_interval(hours => 1 + (l.id %% 72)::int),
                   0, 0, %(now)s, %(now)s, l.created_at
            FROM listings_listing l WHERE (l.id * 7) %% 100 < 3 AND l.status = 'published'
            """,
            {"now": now},
        )
        print(f"  auctions             {time.perf_counter() - started:6.1f} s", flush=True)
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)


class Client:
    """One sequential keep-alive HTTP client; every request timed to the last byte of the answer."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)

    def get(self, url: str) -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = self.http.get(url)
        _ = response.content
        return (time.perf_counter() - started) * 1000, response

    def timed(self, urls: list[str], warmup: int = 3) -> tuple[list[float], httpx.Response]:
        for url in urls[:warmup]:
            self.get(url)
        times = []
        response = None
        for url in urls:
            ms, response = self.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
            times.append(ms)
        assert response is not None
        return times, response


CARD = re.compile(r'href="/listings/(\d+)/"')
COUNT = re.compile(r'data-testid="result-count">([^<]*)<')


def card_ids(html: str) -> list[int]:
    seen: list[int] = []
    for match in CARD.finditer(html):
        pk = int(match.group(1))
        if pk not in seen:
            seen.append(pk)
    return seen


def shown_count(html: str) -> str:
    match = COUNT.search(html)
    return re.sub(r"\s+", " ", match.group(1)).strip() if match else "?"


def explain(district: int) -> None:
    """EXPLAIN ANALYZE of the SQL the main searches run (the rows query and the count)."""
    from django.db import connection
    from django.http import QueryDict

    from listings.forms import SearchForm
    from listings.selectors import SEARCH_COUNT_CAP, listings_search, listings_search_matches

    for name in (
        "newest (no filter)",
        "district + price range",
        "text: 'евроремонт метро'",
        "newest, page 40 (deep)",
        "ending within 24 h",
    ):
        query = QueryDict(SEARCHES[name].format(district=district))
        form = SearchForm(query)
        form.is_valid()
        qs = listings_search(params=form.params()).prefetch_related(None)
        page = int(query.get("page", 1))
        rows = qs[(page - 1) * 24 : page * 24]
        # What listings.views.CappedPaginator counts.
        counted = listings_search_matches(params=form.params()).order_by().values("pk")[: SEARCH_COUNT_CAP + 1]
        for what, sql, params in (
            ("the page's rows", *rows.query.sql_with_params()),
            ("the capped count", f"SELECT COUNT(*) FROM ({counted.query.sql_with_params()[0]}) AS c", None),  # noqa: S608 (Django-built SQL)
        ):
            params = params if params is not None else counted.query.sql_with_params()[1]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"\n--- EXPLAIN ANALYZE: {name} ({what}) ---\n{plan}")


def main() -> int:
    args = parse()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    # The production settings every benchmark uses (bench.common.production_env), Payme's sandbox off too.
    env = production_env(BENCH_URL, redis_url, PAYME_SANDBOX="0")
    os.environ.update(env)
    ensure_database()
    migrate(env)

    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection, connections, transaction

    from auctions.models import Auction
    from listings.models import District, Listing

    if args.regenerate or Listing.objects.count() != args.listings or not Auction.objects.exists():
        print(f"Generating {args.listings:,} listings on {BENCH_URL} …", flush=True)
        with transaction.atomic():  # all or nothing: a run stopped half-way leaves no partial data
            truncate()
            generate(args.listings)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    cache.clear()
    district = District.objects.get(slug="chilanzar").pk
    if args.explain:
        explain(district)
    published = Listing.objects.filter(status="published", operator_test=False)
    listing_ids = list(published.order_by("?").values_list("id", flat=True)[: args.repeats])
    auction_ids = list(Auction.objects.filter(status="active").order_by("?").values_list("id", flat=True)[:40])
    connections.close_all()

    if args.server == "deployed":
        server = Server.production(env, app="wsgi", workers=args.workers or None)
        served_by = f"gunicorn -c deploy/gunicorn.conf.py config.wsgi ({args.workers or 'its'} workers)"
    else:
        server = Server.gunicorn(env, workers=args.workers or 2, threads=1)
        served_by = f"gunicorn {args.workers or 2} sync workers (bench.wsgi)"
    results: dict[str, dict[str, float]] = {}
    pages: dict[str, str] = {}
    everything: list[float] = []
    try:
        client = Client(server.url)
        ping, _ = client.timed(["/bench/ping/"] * (args.repeats * 5))
        results["trivial view /bench/ping/"] = percentiles(ping)
        for name, query in SEARCHES.items():
            url = "/listings/?" + query.format(district=district)
            times, response = client.timed([url] * args.repeats)
            everything += times
            results[name] = percentiles(times)
            pages[name] = response.text
        results["all searches"] = percentiles(everything)
        times, home = client.timed(["/"] * args.repeats)
        results["home page"] = percentiles(times)
        repeated = (listing_ids * args.repeats)[: args.repeats]
        times, _ = client.timed([f"/listings/{pk}/" for pk in repeated])
        results["listing page (a different one each time)"] = percentiles(times)
        repeated = (auction_ids * args.repeats)[: args.repeats]
        times, _ = client.timed([f"/auctions/{pk}/" for pk in repeated])
        results["auction page (a different one each time)"] = percentiles(times)
        client.http.close()
    finally:
        server.stop()

    # Invariants: the server's answers against the database's own.
    def ids(qs: Any) -> list[int]:
        return list(qs.values_list("id", flat=True)[:24])

    tashkent_2 = published.filter(region_id="tashkent_city", rooms=2)
    checks = {
        "every search kind found listings": all(card_ids(pages[name]) for name in SEARCHES),
        "newest: the first page is the 24 newest published listings": card_ids(pages["newest (no filter)"])
        == ids(published.order_by("-created_at", "-id")),
        "Tashkent, 2 rooms: the first page is the database's": card_ids(pages["Tashkent, 2 rooms"])
        == ids(tashkent_2.order_by("-created_at", "-id")),
        "newest page 40: rows 937–960 of the newest order": card_ids(pages["newest, page 40 (deep)"])
        == list(published.order_by("-created_at", "-id").values_list("id", flat=True)[39 * 24 : 40 * 24]),
        "price desc page 40: rows 937–960 of that order": card_ids(pages["price desc, page 40 (deep)"])
        == list(published.order_by("-price_uzs", "-id").values_list("id", flat=True)[39 * 24 : 40 * 24]),
        "text 'евроремонт метро': every card's text has both words": all(
            "евроремонт" in (row.description + row.title).lower() and "метро" in (row.description + row.title).lower()
            for row in Listing.objects.filter(pk__in=card_ids(pages["text: 'евроремонт метро'"]))
        ),
        "place 'Chilonzor': every card is in Chilanzar or says so": all(
            row.district_id == district or "чиланзар" in row.description.lower()
            for row in Listing.objects.filter(pk__in=card_ids(pages["text: place 'Chilonzor' (Latin)"]))
        ),
        "the home page shows new listings": bool(card_ids(home.text)),
    }
    shown = {name: shown_count(pages[name]) for name in SEARCHES}
    count = published.count()
    total = Listing.objects.count()
    connection.close()

    print(
        f"\nbench/search.py — {total:,} listings ({count:,} published), PostgreSQL, {served_by}, "
        f"DEBUG=0, Redis; one sequential keep-alive client, {args.repeats} requests per "
        "row after 3 warm-up ones\n"
    )
    print(f"{'':<42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   shown count")
    for name, figures in results.items():
        if name == "all searches":
            print()
        extra = shown.get(name, "")
        print(f"{name:<42} {figures['p50']:>8.1f} {figures['p95']:>8.1f} {figures['max']:>8.1f}   {extra}")
        if name == "all searches":
            print()
    print()
    for name, passed in checks.items():
        print(f"  [{'ok' if passed else 'FAIL'}] {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
