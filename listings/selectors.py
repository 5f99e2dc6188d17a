"""Reads of listings: public catalogue, search, seller's and user's lists."""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    DateTimeField,
    DecimalField,
    Exists,
    F,
    Field,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from listings.geo import geo_data
from listings.models import (
    AUCTION_OPEN_STATUSES,
    AUCTION_RUNNING_STATUSES,
    LISTING_VISIBLE_STATUSES,
    Currency,
    District,
    Favorite,
    Listing,
    ListingPhoto,
    ListingPhotoDraft,
    ListingStatus,
    Region,
)

# On PostgreSQL the searched text is a stored generated column (migration 0011), GIN-indexed:
# to_tsvector('simple', title || ' ' || address || ' ' || description), kept up to date by PostgreSQL
# itself. The model does not declare it (SQLite has no to_tsvector and searches with KB_FOLD instead).
SEARCH_DOCUMENT_SQL = '"listings_listing"."search_document"'
# The result count stops here: counting every match of a broad search costs a scan of all of them.
# The page says "more than N" and the pages go as far as the cap.
SEARCH_COUNT_CAP = 1000
ENDING_SOON = timedelta(hours=24)


class Sort:
    NEWEST = "newest"
    PRICE_ASC = "price"
    PRICE_DESC = "-price"
    PRICE_M2_ASC = "price_m2"
    PRICE_M2_DESC = "-price_m2"
    ENDING = "ending"


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    region: str = ""
    districts: tuple[int, ...] = ()
    rooms: tuple[int, ...] = ()  # 0 = studio; 4 = four and more
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    currency: str = Currency.UZS
    area_min: Decimal | None = None
    area_max: Decimal | None = None
    floor_min: int | None = None
    floor_max: int | None = None
    not_first_floor: bool = False
    not_last_floor: bool = False
    market: str = ""
    renovation: str = ""
    building_type: str = ""
    has_photos: bool = False
    has_auction: bool = False
    auction_ending_soon: bool = False
    sort: str = Sort.NEWEST

    @property
    def filter_count(self) -> int:
        """How many filters narrow the search. The order is not one, nor the currency alone (it says what
        the price bounds are in); a page number or the map view are not search parameters at all."""
        default = SearchParams()
        return sum(
            1
            for field in fields(self)
            if field.name not in ("sort", "currency") and getattr(self, field.name) != getattr(default, field.name)
        )


def listings_with_photos(qs: QuerySet[Listing] | None = None) -> QuerySet[Listing]:
    qs = qs if qs is not None else Listing.objects.all()
    return qs.select_related("seller", "region", "district").prefetch_related(
        Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id"))
    )


def listings_public() -> QuerySet[Listing]:
    # The operator's test objects (click_test_order) are published for Click's tester, never for the public.
    return listings_with_photos(Listing.objects.filter(listings_public_q()))


def listings_newest(*, limit: int = 12, now: datetime | None = None) -> QuerySet[Listing]:
    return listings_with_auction_state(listings_public(), now=now)[:limit]


def listings_of_seller(*, seller_id: int) -> QuerySet[Listing]:
    return listings_with_photos(Listing.objects.filter(seller_id=seller_id))


def listings_favorite_of(*, user_id: int, now: datetime | None = None) -> QuerySet[Listing]:
    """The user's favourites, sold ones included (marked sold on their cards)."""
    qs = listings_with_photos(
        Listing.objects.filter(status__in=LISTING_VISIBLE_STATUSES, operator_test=False, favorited_by__user_id=user_id)
    )
    return listings_with_auction_state(qs, now=now).order_by("-favorited_by__created_at")


# Who reads what: the one rule for pages, the API and live updates. Read access follows write access:
# a staff member reads unpublished listings only with the moderator's permission.
LISTING_MODERATOR_PERMISSION = "listings.change_listing"


def listing_moderator(user: Any) -> bool:
    """Staff with the permission to moderate listings: they read (and write) listings in every status."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(LISTING_MODERATOR_PERMISSION)
    )


def listings_public_q(prefix: str = "") -> Q:
    """The catalogue's condition: published and not the operator's test object."""
    return Q(**{f"{prefix}status": ListingStatus.PUBLISHED, f"{prefix}operator_test": False})


def listings_visible_q(prefix: str = "") -> Q:
    """The condition for a listing anyone may open: published or sold, not the operator's test object."""
    return Q(**{f"{prefix}status__in": LISTING_VISIBLE_STATUSES, f"{prefix}operator_test": False})


def listing_public(listing: Listing) -> bool:
    """listings_visible_q() for a listing already read (tests/test_visibility_rows.py checks that
    the two agree)."""
    return listing.status in LISTING_VISIBLE_STATUSES and not listing.operator_test


def listing_has_open_auction(listing: Listing) -> bool:
    """An auction of the listing waits for its fee, is scheduled or runs: the listing cannot change."""
    return listing.auctions.filter(status__in=AUCTION_OPEN_STATUSES).exists()


def listings_visible(*, user: Any) -> QuerySet[Listing]:
    """The listings this visitor may read: published or sold ones; their own in any status; all for moderators."""
    qs = listings_with_photos()
    if listing_moderator(user):
        return qs
    rule = listings_visible_q()
    if user is not None and user.is_authenticated:
        rule |= Q(seller_id=user.pk)
    return qs.filter(rule)


def listing_visible_to(*, pk: int, user: Any) -> Listing | None:
    """The listing if this visitor may read it (listings_visible), else None. (No ORDER BY for one
    primary key: neither first() nor the model's ordering.)"""
    found = list(listings_visible(user=user).filter(pk=pk).order_by()[:1])
    return found[0] if found else None


def listings_moderation_queue() -> QuerySet[Listing]:
    return listings_with_photos(Listing.objects.filter(status=ListingStatus.REVIEW)).order_by("submitted_at", "id")


def regions_with_districts() -> list[Region]:
    return list(Region.objects.prefetch_related(Prefetch("districts", queryset=District.objects.order_by("name_ru"))))


def _with_open_auction(qs: QuerySet[Listing], now: datetime) -> QuerySet[Listing]:
    """Join the listing's paid, not yet ended auction as `open_auction` (at most one: see below)."""
    return qs.annotate(
        open_auction=FilteredRelation(
            "auctions",
            condition=Q(
                auctions__status__in=AUCTION_RUNNING_STATUSES, auctions__is_paid=True, auctions__ends_at__gt=now
            ),
        )
    )


def listings_with_auction_state(qs: QuerySet[Listing], *, now: datetime | None = None) -> QuerySet[Listing]:
    """Annotate what a card shows of the listing's auction, in the same query:
    running now (`auction_ends_at`, `auction_price`, `auction_bid_count`) or paid and about to start
    (`auction_starts_at`). A sold listing carries its own `sold_price`.

    One LEFT JOIN, no subquery per row: a listing has at most one open auction (the unique
    constraint auction_one_open_per_listing), so the join on its paid, not yet ended one
    (`open_auction`) adds at most one row; running or upcoming is then a comparison of its start."""
    now = now or timezone.now()
    if "open_auction" not in getattr(qs.query, "_filtered_relations", {}):  # listings_search_matches may have
        qs = _with_open_auction(qs, now)  # joined it already
    started = Q(open_auction__starts_at__lte=now)

    def running(field: str, output: Field) -> Case:
        return Case(When(started, then=F(f"open_auction__{field}")), default=None, output_field=output)

    return qs.annotate(
        auction_ends_at=running("ends_at", DateTimeField()),
        auction_id=running("id", BigIntegerField()),
        auction_price=running("current_price", DecimalField()),
        auction_start_price=running("starting_price", DecimalField()),
        auction_bid_count=running("bid_count", IntegerField()),
        auction_starts_at=Case(
            When(open_auction__starts_at__gt=now, then=F("open_auction__starts_at")),
            default=None,
            output_field=DateTimeField(),
        ),
    )


def _to_uzs(amount: Decimal, currency: str) -> Decimal:
    return amount * Decimal(settings.USD_UZS_RATE) if currency == Currency.USD else amount


class Fold(Func):
    """Case-folded text on SQLite (core.sqlite registers KB_FOLD): the fallback search's LOWER."""

    function = "KB_FOLD"
    output_field = TextField()


@lru_cache(maxsize=1)
def _place_names() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(slug, its names in ru/uz/en, case-folded) of every district, from the shipped data the
    district rows are loaded from (listings/geo.py): no query."""
    return tuple(
        (row["slug"], tuple(row[language].casefold() for language in ("ru", "uz", "en")))
        for row in geo_data()["districts"]
    )


def places_named(word: str) -> list[str]:
    """Slugs of the districts a search word names, in any of the site's languages and scripts:
    "Chilonzor", "Чиланзар" and "chilanzar" all name Chilanzar. Short words name nothing."""
    folded = word.casefold()
    if len(folded) < 4:
        return []
    return [slug for slug, names in _place_names() if any(folded in name for name in names)]


def _text_match_sql(text: str, parser: str = "websearch_to_tsquery") -> RawSQL:
    return RawSQL(  # noqa: S611 - constant SQL, the text is a bound parameter
        f"{SEARCH_DOCUMENT_SQL} @@ {parser}('simple'::regconfig, %s)", (text,), output_field=BooleanField()
    )


def _text_filter(qs: QuerySet[Listing], text: str) -> QuerySet[Listing]:
    """Every word in the title, address or description, case-insensitive in any script; a word
    that names a district (in Russian, Uzbek or English) also matches the listings in it."""
    text = text.strip()[:200]
    if not text:
        return qs
    words = text.split()[:8]
    if connection.vendor == "postgresql":
        place_words = [word for word in words if places_named(word)]
        for word in place_words:
            # District ids, not a join on the slug, so PostgreSQL can OR the GIN index with the district index.
            district_ids = list(District.objects.filter(slug__in=places_named(word)).values_list("pk", flat=True))
            qs = qs.filter(Q(_text_match_sql(word, "plainto_tsquery")) | Q(district_id__in=district_ids))
        rest = " ".join(word for word in text.split() if word not in place_words)
        return qs.filter(_text_match_sql(rest)) if rest else qs
    # SQLite fallback: every word somewhere in the title, address or description.
    qs = qs.annotate(
        search_folded=Fold(
            Concat(
                Coalesce("title", Value("")),
                Value(" "),
                Coalesce("address", Value("")),
                Value(" "),
                Coalesce("description", Value("")),
                output_field=TextField(),
            )
        )
    )
    for word in words:
        match = Q(search_folded__contains=word.casefold())
        if slugs := places_named(word):
            match |= Q(district__slug__in=slugs)
        qs = qs.filter(match)
    return qs


def listings_search_matches(*, params: SearchParams, now: datetime | None = None) -> QuerySet[Listing]:
    """The public listings matching the filters, bare: what the result count counts (no card
    annotations, no joins but the ones a filter needs)."""
    now = now or timezone.now()
    qs = Listing.objects.filter(listings_public_q())
    if params.region:
        qs = qs.filter(region_id=params.region)
    if params.districts:
        qs = qs.filter(district_id__in=params.districts)
    if params.rooms:
        room_q = Q(rooms__in=[r for r in params.rooms if r < 4])
        if any(r >= 4 for r in params.rooms):
            room_q |= Q(rooms__gte=4)
        qs = qs.filter(room_q)
    if params.price_min is not None:
        qs = qs.filter(price_uzs__gte=_to_uzs(params.price_min, params.currency))
    if params.price_max is not None:
        qs = qs.filter(price_uzs__lte=_to_uzs(params.price_max, params.currency))
    if params.area_min is not None:
        qs = qs.filter(area__gte=params.area_min)
    if params.area_max is not None:
        qs = qs.filter(area__lte=params.area_max)
    if params.floor_min is not None:
        qs = qs.filter(floor__gte=params.floor_min)
    if params.floor_max is not None:
        qs = qs.filter(floor__lte=params.floor_max)
    if params.not_first_floor:
        qs = qs.filter(floor__gt=1)
    if params.not_last_floor:
        qs = qs.filter(floor__lt=F("floors_total"))
    if params.market:
        qs = qs.filter(market=params.market)
    if params.renovation:
        qs = qs.filter(renovation=params.renovation)
    if params.building_type:
        qs = qs.filter(building_type=params.building_type)
    if params.has_photos:
        qs = qs.filter(Exists(ListingPhoto.objects.filter(listing_id=OuterRef("pk"))))
    if params.has_auction or params.auction_ending_soon:
        qs = _with_open_auction(qs, now)
        # An inner join on the running one (the rows query reads the card's state from the same join).
        running = Q(open_auction__starts_at__lte=now)
        if params.auction_ending_soon:
            running &= Q(open_auction__ends_at__lte=now + ENDING_SOON)
        qs = qs.filter(running)  # one filter() call: two would join the auctions twice
    return _text_filter(qs, params.q)


def listings_search(
    *, params: SearchParams, user_id: int | None = None, now: datetime | None = None
) -> QuerySet[Listing]:
    """Published listings matching the filters, annotated for the result cards.

    The page costs a constant number of queries: count (of listings_search_matches), rows (with
    region, district, seller, the open auction and favourite flag joined in) and photos.
    """
    now = now or timezone.now()
    # The cards show region and district, never the seller: no join on the users.
    matches = listings_search_matches(params=params, now=now).select_related("region", "district")
    matches = matches.prefetch_related(Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id")))
    qs: QuerySet[Listing] = listings_with_auction_state(matches, now=now).annotate(
        is_favorite=(
            Exists(Favorite.objects.filter(listing_id=OuterRef("pk"), user_id=user_id))
            if user_id
            else Value(False, output_field=BooleanField())
        ),
    )
    auction_only = params.has_auction or params.auction_ending_soon
    orderings: dict[str, list[Any]] = {
        Sort.NEWEST: ["-created_at", "-id"],
        Sort.PRICE_ASC: [F("price_uzs").asc(nulls_last=True), "-id"],
        Sort.PRICE_DESC: [F("price_uzs").desc(nulls_last=True), "-id"],
        Sort.PRICE_M2_ASC: [F("price_per_m2_uzs").asc(nulls_last=True), "-id"],
        Sort.PRICE_M2_DESC: [F("price_per_m2_uzs").desc(nulls_last=True), "-id"],
        Sort.ENDING: [F("auction_ends_at").asc(nulls_last=True), "-created_at", "-id"],
    }
    if auction_only:
        # Every row has a running auction: its end itself, which the auctions' end index gives in order;
        # newest first as the auction's copy of its listing's creation and the listing's id (the same
        # order: one running auction per listing), which auction_running_newest gives in order.
        orderings[Sort.ENDING] = [F("open_auction__ends_at").asc(), "-created_at", "-id"]
        orderings[Sort.NEWEST] = [F("open_auction__listing_created_at").desc(), F("open_auction__listing_id").desc()]
    return qs.order_by(*orderings.get(params.sort, orderings[Sort.NEWEST]))


def listing_ids_favorite_of(*, user_id: int | None, listing_ids: Iterable[int]) -> set[int]:
    """Which of these listings the user has marked with the heart (one query; none for a visitor)."""
    ids = set(listing_ids)
    if user_id is None or not ids:
        return set()
    return set(Favorite.objects.filter(user_id=user_id, listing_id__in=ids).values_list("listing_id", flat=True))


def listing_is_favorite(*, listing_id: int, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return Favorite.objects.filter(listing_id=listing_id, user_id=user_id).exists()


def photo_drafts_of(*, user_id: int, ids: list[int]) -> list[ListingPhotoDraft]:
    """The seller's own kept photos among those a form carries back (another seller's ids match nothing)."""
    return list(ListingPhotoDraft.objects.filter(user_id=user_id, pk__in=ids).order_by("id"))


MAP_POINTS_MAX = 500


def listings_search_points(*, params: SearchParams, now: datetime | None = None) -> list[dict[str, Any]]:
    """The search's results that have a point, for the map view: id, title, coordinates and price only,
    at most MAP_POINTS_MAX (in the search's order)."""
    qs = listings_search(params=params, now=now).filter(latitude__isnull=False, longitude__isnull=False)
    rows = qs.values("pk", "title", "latitude", "longitude", "price", "currency")[:MAP_POINTS_MAX]
    return [dict(row) for row in rows]
