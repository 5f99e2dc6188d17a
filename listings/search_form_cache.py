"""The search page's filter form, cached as HTML (`{% cache %}` in templates/listings/listing_list.html).

Rendering the filters (19 inputs, the region list, the district boxes and the district data for
static/js/site.js) was a quarter of a search page's time (~4.5 ms of 18), and two of its queries.
Its HTML depends only on the filters in the query string, the language, the regions and districts,
and the code that renders it (the template, listings/forms.py, listings/widgets.py):
`search_form_key` digests the filters and the code, the language is the tag's own vary-on, and
`geo_version` changes whenever a region or district is saved or deleted (listings.apps connects
`geo_version_bump`). The results and their count are never cached here.
"""

import hashlib
import time
from functools import cache
from pathlib import Path
from typing import Any

from django.core.cache import cache as django_cache
from django.template.loader import get_template

from listings import forms as forms_module
from listings import widgets as widgets_module

SEARCH_TEMPLATE = "listings/listing_list.html"
# A data migration that renames a place (no signals there) shows after this at the latest.
SEARCH_FORM_CACHE_SECONDS = 5 * 60
GEO_VERSION_KEY = "listings:geo-version"


@cache
def _code_digest() -> str:
    """The template and the Python that renders the form (its fields, its widgets): a deploy that
    changes any of them never serves the old HTML."""
    digest = hashlib.blake2b(digest_size=6)
    digest.update(get_template(SEARCH_TEMPLATE).template.source.encode())  # type: ignore[attr-defined]
    for module in (forms_module, widgets_module):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def geo_version() -> str:
    return str(django_cache.get_or_set(GEO_VERSION_KEY, time.time_ns, timeout=None))


def geo_version_bump(**_kwargs: Any) -> None:
    """A region or district changed: every cached filter form is stale."""
    django_cache.delete(GEO_VERSION_KEY)


def search_form_key(form: Any) -> str:
    """The cache key part for this search form: whether it is bound (an unbound one shows the
    fields' initial values) and its own fields' values (a page number or the map view does not
    change the filters' HTML)."""
    data = form.data
    getlist = data.getlist if hasattr(data, "getlist") else lambda name: [data[name]]
    values = sorted((name, tuple(getlist(name))) for name in form.fields if name in data)
    digest = hashlib.blake2b(repr((form.is_bound, values)).encode(), digest_size=16).hexdigest()
    return f"{_code_digest()}:{geo_version()}:{digest}"
