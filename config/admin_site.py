"""The admin site: Django's, refusing with a 400 the requests a forged or hand-edited admin URL can
make that Django's admin would answer with a 500 (staff are clients too):

- a NUL in a query parameter or in the object id of the URL (PostgreSQL text cannot hold one);
- an action posted with ids that are not ids of the model (Django filters pk__in on them unchecked),
  or a change form's relation ids past 64 bits (SQLite's driver raised OverflowError);
- a date filter or drill-down to a date that does not exist (year 99999, 31 February);
- a search of more words than any person types (SQLite's expression depth gives out near 1 000).
"""

import re
from collections.abc import Callable
from datetime import MAXYEAR, MINYEAR, date
from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse

from core.rows import id_in_range

SEARCH_WORDS_MAX = 64


class AdminRequestRefused(SuspiciousOperation):
    """Answered 400 by Django's handler."""


def _refuse_nul(values: Any) -> None:
    if any("\x00" in str(value) for value in values):
        raise AdminRequestRefused("a NUL character in an admin request")


def _pk_check(model: type[models.Model], values: list[str]) -> None:
    field = model._meta.pk
    for value in values:
        try:
            python = field.to_python(value)  # type: ignore[union-attr]
        except ValidationError:
            raise AdminRequestRefused(f"not an id of {model._meta.label}") from None
        if isinstance(field, models.IntegerField | models.AutoField) and not id_in_range(int(python)):
            raise AdminRequestRefused(f"not an id of {model._meta.label}")


def _related_ids_check(model: type[models.Model], request: HttpRequest) -> None:
    """The ids a change form posts for its relations (a user's groups, a listing's seller): Django
    checks their form, but on SQLite one past 64 bits reached the driver (OverflowError)."""
    for field in model._meta.get_fields():
        if not (field.many_to_many or field.many_to_one) or (field.auto_created and not field.concrete):
            continue
        target = field.related_model._meta.pk  # type: ignore[union-attr]
        if not isinstance(target, models.IntegerField | models.AutoField):
            continue
        for value in request.POST.getlist(field.name):
            if re.fullmatch(r"-?[0-9]+", value) and (len(value) > 20 or not id_in_range(int(value))):
                raise AdminRequestRefused(f"not an id of {field.related_model._meta.label}")  # type: ignore[union-attr]


def _date_hierarchy_check(model_admin: admin.ModelAdmin, request: HttpRequest) -> None:
    if not model_admin.date_hierarchy:
        return
    prefix = model_admin.date_hierarchy
    year = request.GET.get(f"{prefix}__year")
    if year is None:
        return
    try:
        day = date(int(year), int(request.GET.get(f"{prefix}__month", 1)), int(request.GET.get(f"{prefix}__day", 1)))
    except (ValueError, OverflowError):
        raise AdminRequestRefused("a date hierarchy date that does not exist") from None
    if day.year >= MAXYEAR:  # Django's drill-down adds a year to it
        raise AdminRequestRefused("a date hierarchy date that does not exist")


def _years_check(request: HttpRequest) -> None:
    """`…__year` lookups (the date filters' and the hierarchy's): Django builds a datetime from them."""
    for key, values in request.GET.lists():  # every value: the changelist ORs repeated ones
        if not key.endswith("__year"):
            continue
        for value in values:
            try:
                year = int(value)
            except ValueError:
                continue  # Django's own lookup check answers that
            if not MINYEAR <= year < MAXYEAR:
                raise AdminRequestRefused("a year no date can have")


def admin_request_check(request: HttpRequest, model_admin: admin.ModelAdmin | None, kwargs: dict[str, Any]) -> None:
    _refuse_nul([text for key, values in request.GET.lists() for text in (key, *values)])
    _refuse_nul(kwargs.values())
    if model_admin is None:
        return
    if request.method == "POST":
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        _refuse_nul(selected)
        _pk_check(model_admin.model, selected)
        _related_ids_check(model_admin.model, request)
    _years_check(request)
    _date_hierarchy_check(model_admin, request)
    if len(request.GET.get("q", "").split()) > SEARCH_WORDS_MAX:
        raise AdminRequestRefused("an admin search of too many words")


class KvartirabarAdminSite(admin.AdminSite):
    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable[..., HttpResponse]:
        bound_to = getattr(view, "__self__", None)
        model_admin = bound_to if isinstance(bound_to, admin.ModelAdmin) else None

        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            admin_request_check(request, model_admin, kwargs)
            return view(request, *args, **kwargs)

        # Django's wrapper outside ours: the sign-in redirect and the CSRF check come first.
        return super().admin_view(update_wrapper(checked, view), cacheable)


class KvartirabarAdminConfig(AdminConfig):
    default_site = "config.admin_site.KvartirabarAdminSite"
