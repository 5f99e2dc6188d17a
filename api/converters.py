"""Path ids: at most 18 digits, so an id always fits PostgreSQL's bigint (a longer one is a 404, never a 500)."""

from django.urls.converters import IntConverter


class IdConverter(IntConverter):
    regex = "[0-9]{1,18}"
