"""The search form's widgets, written out in Python (listings/widgets.py), give exactly the HTML of
Django's own widget templates."""

import pytest
from django.forms.renderers import DjangoTemplates
from django.utils import translation

from listings.forms import SearchForm
from listings.models import District

DATA = [
    None,
    {},
    {"region": "tashkent_city", "rooms": ["0", "2", "4"], "sort": "price", "currency": "USD"},
    {"q": 'say "hi" <b>&</b>', "price_min": "100", "price_max": "abc", "area_min": "-3", "floor_max": "999"},
    {"not_first": "on", "not_last": "on", "photos": "on", "auction": "on", "ending_soon": "on"},
    {"market": "new", "renovation": "euro", "building_type": "brick", "region": "nowhere", "rooms": "7"},
    {"market": "<x>", "sort": "ending", "floor_min": "2", "area_max": "55.5", "q": "\u0435\u0432\u0440\u043e"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "uz", "en"])
@pytest.mark.parametrize("data", DATA)
def test_every_widget_is_the_same_html_as_djangos_templates(language, data):
    district = District.objects.filter(region_id="tashkent_city").first()
    if data and "region" in data and district is not None:
        data = {**data, "district": [str(district.pk)]}
    with translation.override(language):
        fast, django = SearchForm(data), SearchForm(data, renderer=DjangoTemplates())
        assert type(fast.renderer) is not DjangoTemplates  # the Python one is in use
        for name in fast.fields:
            assert str(fast[name]) == str(django[name]), name
