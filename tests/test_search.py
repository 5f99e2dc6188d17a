"""Search: every filter, sorting, pagination, shareable URLs and a constant number of queries."""

import os
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django import forms
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from listings.models import District, ListingPhoto, ListingStatus
from listings.selectors import SearchParams, listings_search

pytestmark = pytest.mark.django_db
URL = "/listings/"


def _titles(client, query: str = "") -> list[str]:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    return [listing.title for listing in response.context["page"].object_list]


def _district(slug: str) -> District:
    return District.objects.get(slug=slug)


@pytest.fixture
def catalogue(seller, make_listing, make_paid_auction):
    """A small catalogue with one distinguishing value per filter."""
    items = {
        "chilanzar_2": make_listing(
            seller,
            title="Чиланзар 2к",
            district=_district("chilanzar"),
            rooms=2,
            area=Decimal("50"),
            floor=1,
            floors_total=9,
            price=Decimal("500000000"),
            market="resale",
            renovation="cosmetic",
            building_type="panel",
        ),
        "yunus_3": make_listing(
            seller,
            title="Юнусабад 3к",
            district=_district("yunusabad"),
            rooms=3,
            area=Decimal("90"),
            floor=9,
            floors_total=9,
            price=Decimal("70000"),
            currency="USD",
            market="new",
            renovation="euro",
            building_type="monolith",
            description="Вид на телебашню и парк",
        ),
        "studio": make_listing(
            seller,
            title="Студия в Сергели",
            district=_district("sergeli"),
            rooms=0,
            area=Decimal("28"),
            floor=4,
            floors_total=9,
            price=Decimal("300000000"),
            market="new",
            building_type="block",
        ),
        "big": make_listing(
            seller,
            title="Пятикомнатная в Мирабаде",
            district=_district("mirabad"),
            rooms=5,
            area=Decimal("160"),
            floor=3,
            floors_total=5,
            price=Decimal("2500000000"),
            renovation="designer",
            building_type="brick",
        ),
        "samarkand": make_listing(
            seller,
            title="Самарканд 2к",
            region="samarkand",
            district=_district("samarkand-city"),
            rooms=2,
            area=Decimal("60"),
            floor=2,
            floors_total=4,
            price=Decimal("450000000"),
        ),
    }
    ListingPhoto.objects.create(listing=items["studio"], image=ContentFile(b"x", name="s.jpg"))
    make_paid_auction(items["big"], starts_in=-timedelta(minutes=5), duration=timedelta(days=5))
    make_paid_auction(items["chilanzar_2"], starts_in=-timedelta(hours=1), duration=timedelta(hours=5))
    # Not public: never in search.
    make_listing(seller, title="Черновик", status=ListingStatus.DRAFT)
    make_listing(seller, title="На проверке", status=ListingStatus.REVIEW)
    make_listing(seller, title="Отклонено", status=ListingStatus.REJECTED, rejection_reason="Нет фото")
    return items


def test_only_published_listings_newest_first(client, catalogue):
    assert _titles(client) == [
        "Самарканд 2к",
        "Пятикомнатная в Мирабаде",
        "Студия в Сергели",
        "Юнусабад 3к",
        "Чиланзар 2к",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=samarkand", {"Самарканд 2к"}),
        ("region=tashkent_city", {"Чиланзар 2к", "Юнусабад 3к", "Студия в Сергели", "Пятикомнатная в Мирабаде"}),
        ("region=andijan", set()),
        ("rooms=0", {"Студия в Сергели"}),
        ("rooms=2", {"Чиланзар 2к", "Самарканд 2к"}),
        ("rooms=4", {"Пятикомнатная в Мирабаде"}),
        ("rooms=0&rooms=3", {"Студия в Сергели", "Юнусабад 3к"}),
        # 70 000 USD = 896 000 000 soums at 12 800.
        ("price_min=800000000&price_max=1000000000", {"Юнусабад 3к"}),
        ("price_max=40000&currency=USD", {"Чиланзар 2к", "Студия в Сергели", "Самарканд 2к"}),
        ("price_min=100000&currency=USD", {"Пятикомнатная в Мирабаде"}),
        ("area_min=55&area_max=100", {"Юнусабад 3к", "Самарканд 2к"}),
        ("area_max=30", {"Студия в Сергели"}),
        ("floor_min=4", {"Юнусабад 3к", "Студия в Сергели"}),
        ("floor_max=2", {"Чиланзар 2к", "Самарканд 2к"}),
        ("not_first=on", {"Юнусабад 3к", "Студия в Сергели", "Пятикомнатная в Мирабаде", "Самарканд 2к"}),
        ("not_last=on", {"Чиланзар 2к", "Студия в Сергели", "Пятикомнатная в Мирабаде", "Самарканд 2к"}),
        ("not_first=on&not_last=on", {"Студия в Сергели", "Пятикомнатная в Мирабаде", "Самарканд 2к"}),
        ("market=new", {"Юнусабад 3к", "Студия в Сергели"}),
        ("market=resale", {"Чиланзар 2к", "Пятикомнатная в Мирабаде", "Самарканд 2к"}),
        ("renovation=euro", {"Юнусабад 3к"}),
        ("building_type=brick", {"Пятикомнатная в Мирабаде"}),
        ("photos=on", {"Студия в Сергели"}),
        ("auction=on", {"Пятикомнатная в Мирабаде", "Чиланзар 2к"}),
        ("ending_soon=on", {"Чиланзар 2к"}),
        ("q=телебашню", {"Юнусабад 3к"}),
        ("q=Самарканд", {"Самарканд 2к"}),
        ("q=нет-такого-слова", set()),
    ],
)
def test_each_filter(client, catalogue, query, expected):
    assert set(_titles(client, query)) == expected


def test_district_filter_takes_several(client, catalogue):
    ids = f"district={_district('chilanzar').pk}&district={_district('sergeli').pk}"
    assert set(_titles(client, ids)) == {"Чиланзар 2к", "Студия в Сергели"}


def test_filters_combine(client, catalogue):
    assert _titles(client, "region=tashkent_city&rooms=2&rooms=3&not_first=on") == ["Юнусабад 3к"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", ["Студия в Сергели", "Самарканд 2к", "Чиланзар 2к", "Юнусабад 3к", "Пятикомнатная в Мирабаде"]),
        ("-price", ["Пятикомнатная в Мирабаде", "Юнусабад 3к", "Чиланзар 2к", "Самарканд 2к", "Студия в Сергели"]),
        # per m²: 10.0M, 9.96M, 10.71M, 15.6M, 7.5M
        ("price_m2", ["Самарканд 2к", "Юнусабад 3к", "Чиланзар 2к", "Студия в Сергели", "Пятикомнатная в Мирабаде"]),
        ("-price_m2", ["Пятикомнатная в Мирабаде", "Студия в Сергели", "Чиланзар 2к", "Юнусабад 3к", "Самарканд 2к"]),
        ("ending", ["Чиланзар 2к", "Пятикомнатная в Мирабаде", "Самарканд 2к", "Студия в Сергели", "Юнусабад 3к"]),
    ],
)
def test_sorting(client, catalogue, sort, expected):
    assert _titles(client, f"sort={sort}") == expected


def test_price_per_m2_is_stored_in_soums(catalogue):
    yunus = catalogue["yunus_3"]
    assert yunus.price_uzs == Decimal("896000000.00")
    assert yunus.price_per_m2_uzs == Decimal("9955556")


@pytest.mark.parametrize(
    "query",
    [
        "price_min=abc",
        "rooms=99",
        "region=atlantis",
        "district=999999",
        "district=abc",
        "sort=drop table",
        "page=-1",
        "page=abc",
        "floor_min=0",
        "area_max=1e999",
        "price_max=99999999999999999999999",
        "q=" + "а" * 5000,
        "q=%27%22%3B--",
        "currency=EUR",
    ],
)
def test_bad_query_never_breaks_the_page(client, catalogue, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200


def test_invalid_filter_is_ignored_and_reported(client, catalogue):
    response = client.get(f"{URL}?rooms=2&price_min=abc")
    assert {listing.title for listing in response.context["page"].object_list} == {"Чиланзар 2к", "Самарканд 2к"}
    assert "не применены" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "language", "said"),
    [
        ("price_min=abc", "ru", "«Цена от»: укажите сумму цифрами, не меньше 0, например 450000000."),
        ("price_min=abc", "uz", "«Narx (dan)»: summani raqamlar bilan kiriting, 0 dan kam emas, masalan 450000000."),
        ("price_min=abc", "en", "“Price from”: enter the amount in digits, 0 or more, for example 450000000."),
        ("rooms=99", "ru", "«Комнат»: выберите из вариантов: Студия, 1, 2, 3, 4+."),
        ("rooms=99", "uz", "«Xonalar»: variantlardan tanlang: Studiya, 1, 2, 3, 4+."),
        ("rooms=99", "en", "“Rooms”: choose from: Studio, 1, 2, 3, 4+."),
        ("region=999999", "ru", "«Регион»: выберите регион из списка."),
        ("region=999999", "uz", "«Hudud»: hududni ro‘yxatdan tanlang."),
        ("region=999999", "en", "“Region”: choose a region from the list."),
        ("floor_max=0", "ru", "«Этаж до»: укажите этаж целым числом от 1 до 200."),
        ("currency=EUR", "en", "“Currency”: choose from: UZS, $."),
        ("district=abc", "ru", "«Район»: выберите районы из списка."),
        (
            "region=samarkand&district=999999",
            "ru",
            "«Район»: выберите районы региона «Самаркандская область» из списка.",
        ),
        ("q=%00", "ru", "«Поиск»: обычный текст не длиннее 200 символов."),
    ],
)
def test_a_refused_filter_is_named_with_what_it_takes_and_the_others_stay_applied(
    client, catalogue, query, language, said
):
    """Django's own words ("Введите число.", "Выберите корректный вариант. 99 нет среди допустимых
    значений.") named no filter: which box of the 19 was it?"""
    client.cookies["django_language"] = language
    response = client.get(f"{URL}?{query}&rooms=2")
    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert said in page
    if "rooms=99" not in query:
        titles = {listing.title for listing in response.context["page"].object_list}
        assert titles == ({"Самарканд 2к"} if "samarkand" in query else {"Чиланзар 2к", "Самарканд 2к"})


@pytest.mark.parametrize("typed", ["600 000 000", "600%C2%A0000%C2%A0000", "600000000"])
def test_a_price_bound_typed_with_grouped_digits_is_read(client, catalogue, typed):
    """A link with "600 000 000" (typed by hand, or copied from a page that groups digits) was refused
    as «Цена до» not being a number; the listing form already read it."""
    response = client.get(f"{URL}?price_max={typed}&rooms=2")
    assert response.status_code == 200
    assert "price_max" not in response.context["form"].errors
    assert response.context["form"].cleaned_data["price_max"] == Decimal("600000000")
    titles = {listing.title for listing in response.context["page"].object_list}
    assert "Чиланзар 2к" in titles  # 500 000 000 сум, under the bound


def test_every_filter_that_can_be_refused_says_what_it_takes():
    from listings.forms import SEARCH_FILTER_ERRORS, SEARCH_NOT_FILTERS, SearchForm

    can_fail = {name for name, field in SearchForm.base_fields.items() if not isinstance(field, forms.BooleanField)}
    assert can_fail - SEARCH_NOT_FILTERS <= set(SEARCH_FILTER_ERRORS)


@pytest.mark.parametrize("language", ["ru", "uz", "en"])
@pytest.mark.parametrize("sort", ["bogus", "drop table", "-newest", "%00"])
def test_an_unknown_sort_is_not_a_refused_filter_the_results_come_newest_first(client, catalogue, language, sort):
    """`?sort=bogus` (an old or mistyped link) was listed under "Некоторые фильтры не распознаны…": an
    order narrows nothing. The results come in the default order, the sort box shows it, nothing is said."""
    client.cookies["django_language"] = language
    response = client.get(f"{URL}?sort={sort}&rooms=2")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="filter-errors"' not in page
    assert response.context["form"].filter_errors() == []
    assert response.context["params"].sort == "newest"
    assert response.context["params"].filter_count == 1
    newest_first = _titles(client, "rooms=2")
    assert [listing.title for listing in response.context["page"].object_list] == newest_first
    # The sort box names no other order: its first choice, the default, is what a browser shows.
    select = re.search(r'<select name="sort".*?</select>', page, re.S)
    assert select and "selected" not in select.group(0)
    assert re.search(r'<option value="(\w+)"', select.group(0)).group(1) == "newest"
    # The filters' form sends the default order with its next search, not the unknown one.
    assert '<input type="hidden" name="sort" value="newest">' in page
    # Nor is the sort box marked wrong for a screen reader (Django marks a field with errors so).
    assert "aria-invalid" not in select.group(0)


def test_an_unknown_sort_beside_a_refused_filter_names_only_the_filter(client, catalogue):
    response = client.get(f"{URL}?sort=bogus&price_min=abc&rooms=2")
    assert response.context["form"].filter_errors() == [
        "«Цена от»: укажите сумму цифрами, не меньше 0, например 450000000."
    ]
    page = response.content.decode()
    assert "Сортировка»" not in page and "«Цена от»" in page


def test_a_region_that_is_not_one_leaves_the_districts_applied(client, catalogue):
    """The districts were checked against the region typed: one that is not a region refused them too."""
    response = client.get(f"{URL}?region=atlantis&district={_district('chilanzar').pk}")
    assert [listing.title for listing in response.context["page"].object_list] == ["Чиланзар 2к"]
    assert list(response.context["form"].errors) == ["region"]


@pytest.mark.parametrize("query", ["", "sort=price", "sort=-price&page=2", "page=1", "view=map", "currency=USD"])
def test_a_sort_or_a_page_alone_is_not_a_filter(client, query):
    """The order of the results, the page, the view and the currency alone narrow nothing: no filter count
    on the "Фильтры" button, and an empty catalogue is not "nothing found with these filters"."""
    response = client.get(f"{URL}?{query}")
    page = response.content.decode()
    assert "Фильтры ·" not in page
    assert "Объявлений пока нет." in page and "убрать часть фильтров" not in page
    assert response.context["params"].filter_count == 0


@pytest.mark.parametrize(
    ("query", "count"),
    [("sort=price&rooms=2", 1), ("rooms=2&rooms=3&price_min=1&currency=USD", 2), ("sort=price&price_min=abc", 0)],
)
def test_the_filter_count_counts_the_filters_applied(client, query, count):
    response = client.get(f"{URL}?{query}")
    page = response.content.decode()
    assert re.findall(r"Фильтры · (\d+)", page) == ([str(count)] if count else [])
    assert ("убрать часть фильтров" in page) == bool(count)
    assert response.context["params"].filter_count == count


def test_pagination_keeps_the_filters_in_shareable_links(client, seller, make_listing):
    for index in range(30):
        make_listing(seller, title=f"Квартира {index}", rooms=2)
    make_listing(seller, title="Трёшка", rooms=3)
    first = client.get(f"{URL}?rooms=2")
    page = first.content.decode()
    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"].object_list) == 24
    assert "?rooms=2&amp;page=2" in page
    second = client.get(f"{URL}?rooms=2&page=2")
    assert len(second.context["page"].object_list) == 6
    # The same URL gives the same page to anyone (no session state).
    assert [x.pk for x in client.get(f"{URL}?rooms=2&page=2").context["page"].object_list] == [
        x.pk for x in second.context["page"].object_list
    ]


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_results_page_query_count_does_not_grow_with_results(
    client, buyer, seller, make_listing, make_paid_auction, django_assert_num_queries
):
    client.force_login(buyer)
    query = "?region=tashkent_city&photos=on&sort=price"

    def add(n: int) -> None:
        for index in range(n):
            listing = make_listing(seller, title=f"Кв {index}", district=_district("chilanzar"))
            for position in range(2):
                ListingPhoto.objects.create(listing=listing, image=ContentFile(b"x", name="p.jpg"), position=position)
            if index % 2:
                make_paid_auction(listing, starts_in=-timedelta(minutes=1))

    add(2)
    _count_queries(client, URL + query)  # the filter form's HTML is cached from here on
    baseline = _count_queries(client, URL + query)
    assert 4 <= baseline <= 8  # session, user, count, rows, photos (+ savepoints)
    add(20)
    # session + user, count, rows (region, district, seller, auction, favourite joined in), photos.
    with django_assert_num_queries(baseline):
        response = client.get(URL + query)
    assert len(response.context["page"].object_list) == 22


def test_search_selector_marks_favorites(buyer, seller, make_listing):
    liked = make_listing(seller, title="Нравится")
    make_listing(seller, title="Другая")
    from listings.services import favorite_toggle

    favorite_toggle(user=buyer, listing_id=liked.pk)
    rows = {x.title: x.is_favorite for x in listings_search(params=SearchParams(), user_id=buyer.pk)}
    assert rows == {"Нравится": True, "Другая": False}


def test_shareable_url_from_the_home_search(client, catalogue):
    response = client.get(reverse("listings:list") + "?q=&region=tashkent_city&rooms=0")
    assert [x.title for x in response.context["page"].object_list] == ["Студия в Сергели"]


def test_home_query_count_does_not_grow_with_listings(client, seller, make_listing, make_paid_auction):
    def add(n: int) -> None:
        for index in range(n):
            listing = make_listing(seller, title=f"Дом {index}", district=_district("yunusabad"))
            ListingPhoto.objects.create(listing=listing, image=ContentFile(b"x", name="p.jpg"))
            make_paid_auction(listing, starts_in=-timedelta(minutes=1) if index % 2 else timedelta(hours=3))

    add(2)
    baseline = _count_queries(client, "/")
    add(10)
    assert _count_queries(client, "/") == baseline


def test_district_choices_follow_the_region(client, catalogue):
    page = client.get(f"{URL}?region=samarkand").content.decode()
    assert "город Самарканд" in page and "Чиланзарский район" not in page
    # A district of another region is refused as a filter, not silently mixed in.
    response = client.get(f"{URL}?region=samarkand&district={_district('chilanzar').pk}")
    assert [x.title for x in response.context["page"].object_list] == ["Самарканд 2к"]
    assert "не применены" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["region=%00", "region=tashkent%00", "q=%00", "sort=%00", "market=%00", "currency=%00", "rooms=%00"],
)
def test_nul_bytes_in_the_query_are_refused_not_a_500(client, catalogue, query):
    assert client.get(f"{URL}?{query}").status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Chilonzor", {"Чиланзар 2к"}),  # Uzbek Latin for Чиланзар
        ("чиланзар", {"Чиланзар 2к"}),  # lower-case Cyrillic
        ("CHILANZAR", {"Чиланзар 2к"}),  # English
        ("Yunusobod", {"Юнусабад 3к"}),
        ("юнусабад телебашню", {"Юнусабад 3к"}),  # a place and a word of the text
        ("Chilonzor телебашню", set()),
    ],
)
def test_latin_uzbek_and_cyrillic_names_find_the_same_places(client, catalogue, query, expected):
    assert set(_titles(client, f"q={query}")) == expected


def test_the_embedded_default_searches_cyrillic_case_insensitively(tmp_path):
    """On SQLite (the embedded default) LOWER and LIKE fold ASCII only: "чиланзар" must still find
    "ЧИЛАНЗАР", and "ТЕЛЕБАШНЮ" a description's "телебашню". A fresh SQLite database, migrated."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = """
import json, os, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from decimal import Decimal
from accounts.models import User
from listings.models import District, Listing, ListingStatus
from listings.selectors import SearchParams, listings_search
seller = User.objects.create_user(phone="+998901234500", password="x" * 12)
def add(title, slug, description=""):
    Listing.objects.create(seller=seller, title=title, district=District.objects.get(slug=slug),
        description=description, address="ул. 1", rooms=2, area=Decimal(50), floor=1, floors_total=5,
        price=Decimal(500000000), price_uzs=Decimal(500000000), status=ListingStatus.PUBLISHED)
add("КВАРТИРА НА ЧИЛАНЗАРЕ", "sergeli")
add("Квартира с видом", "yunusabad", description="Вид на телебашню")
def found(q):
    return sorted(x.title for x in listings_search(params=SearchParams(q=q)))
print(json.dumps({q: found(q) for q in ["чиланзаре", "ТЕЛЕБАШНЮ", "Yunusobod", "квартира"]}))
"""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'search.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
    }
    result = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {
        "чиланзаре": ["КВАРТИРА НА ЧИЛАНЗАРЕ"],
        "ТЕЛЕБАШНЮ": ["Квартира с видом"],
        "Yunusobod": ["Квартира с видом"],
        "квартира": ["КВАРТИРА НА ЧИЛАНЗАРЕ", "Квартира с видом"],
    }


def test_the_filter_form_is_cached_per_filters_language_and_places(client, settings):
    """The filters' HTML comes from the cache (listings.search_form_cache): the region and district
    queries are not run again for the same filters, while other filters, another language or a
    renamed district render afresh."""

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "forms"}}
    district = _district("chilanzar")
    url = f"{URL}?region=tashkent_city&district={district.pk}"

    def district_queries(path: str, **headers: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, **headers)
        assert response.status_code == 200
        # The lists the form renders (every region, every district); checking the chosen ones is a WHERE.
        places = [
            q
            for q in ctx.captured_queries
            if ('FROM "listings_district"' in q["sql"] or 'FROM "listings_region"' in q["sql"])
            and "WHERE" not in q["sql"]
        ]
        form = response.content.decode()
        start = form.index('data-testid="search-form"')
        return len(places), form[start : form.index("</form>", start)]

    first_queries, first = district_queries(url)
    again_queries, again = district_queries(url + "&page=2")  # the page does not change the filters
    assert first_queries >= 1 and again_queries == 0
    assert again == first and f'value="{district.pk}" checked' in again

    other_queries, other = district_queries(f"{URL}?region=tashkent_city")
    assert other_queries >= 1 and f'value="{district.pk}" checked' not in other

    english_queries, english = district_queries(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english_queries >= 1 and english != first

    district.name_ru = "Чиланзарский район (новое имя)"
    district.save()
    renamed_queries, renamed = district_queries(url)
    assert renamed_queries >= 1 and "Чиланзарский район (новое имя)" in renamed
