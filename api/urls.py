from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views
from api.converters import IdConverter

register_converter(IdConverter, "id")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar's static files (no CDN). The split view serves its
    # set-up script as a file and our template moves the inline style to one: CSP-friendly.
    # (No Redoc: the package's Redoc page loads Google Fonts.)
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema",
            template_name="api/swagger_ui.html",
            # A page, not an endpoint: OPTIONS would render the page's template with DRF's metadata (a 500).
            http_method_names=["get", "head"],
        ),
        name="docs",
    ),
    path("v1/auth/token/", views.TokenView.as_view(), name="token"),
    path("v1/regions/", views.RegionListView.as_view(), name="regions"),
    path("v1/listings/", views.ListingListView.as_view(), name="listings"),
    path("v1/listings/<id:pk>/", views.ListingDetailView.as_view(), name="listing"),
    path("v1/auctions/", views.AuctionListView.as_view(), name="auctions"),
    path("v1/auctions/<id:pk>/", views.AuctionDetailView.as_view(), name="auction"),
    path("v1/auctions/<id:pk>/bids/", views.BidCreateView.as_view(), name="bids"),
    path("v1/auctions/<id:pk>/buy-now/", views.BuyNowView.as_view(), name="buy-now"),
    path("v1/auctions/<id:pk>/payment/", views.AuctionPaymentView.as_view(), name="payment"),
    path("v1/me/", views.MeView.as_view(), name="me"),
    path("v1/me/listings/", views.MyListingsView.as_view(), name="my-listings"),
    path("v1/me/auctions/", views.MyAuctionsView.as_view(), name="my-auctions"),
    path("v1/me/payments/", views.MyPaymentsView.as_view(), name="my-payments"),
    path("v1/me/bids/", views.MyBidsView.as_view(), name="my-bids"),
    path("v1/me/favorites/", views.FavoriteListView.as_view(), name="favorites"),
    path("v1/me/favorites/<id:listing_id>/", views.FavoriteDetailView.as_view(), name="favorite"),
    # Anything else under /api/v1/ is a 404 in the API's error format, not an HTML page.
    re_path(r"^v1/", views.NotFoundView.as_view(), name="not-found"),
]
