from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control

from auctions.views_pages import home, listing_detail
from listings.urls import app_name as listings_app_name
from listings.urls import urlpatterns as listings_urlpatterns

admin.site.site_header = _("kvartirabar — администрирование")
admin.site.site_title = "kvartirabar"

# An unexpected error answers an API client in the API's error format.
handler500 = "api.exceptions.server_error"

# The listing page shows auctions, so its view lives in auctions (listings may not import it); it keeps
# its name in the listings namespace, which Listing.get_absolute_url reverses.
listings_pages = [*listings_urlpatterns, path("listings/<int:pk>/", listing_detail, name="detail")]


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static_url("img/favicon.svg"))


urlpatterns = [
    # First, under its own prefix: an API request is resolved against the API's patterns alone, not
    # after every page's (a bid is resolved in a few route matches instead of ~90). Nothing else
    # lives under /api/ but Click's and Payme's callbacks, which the resolver still reaches below.
    path("api/", include("api.urls")),
    path("", home, name="home"),
    path("", include("fees_click.urls")),
    path("", include("fees_payme.urls")),
    path("", include("fees_click.urls_seller")),
    path("", include("accounts.urls")),
    path("", include("dashboard.urls")),
    path("", include((listings_pages, listings_app_name))),
    path("", include("auctions.urls")),
    path("", include("clickuz.urls")),
    path("", include("paymeuz.urls")),
    path("", include("notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico whatever the page says (nginx serves /static/ in production).
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
