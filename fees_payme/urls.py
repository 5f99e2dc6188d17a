"""The Payme endpoint registered as the cashbox's Endpoint URL; answered without the
trailing slash too, so a URL typed without it still gets JSON instead of a redirect."""

from django.urls import path, re_path

from fees_payme.adapter import AuctionFeePaymeHandler
from paymeuz.views import PaymeEndpointView

endpoint_view = PaymeEndpointView.as_view(handler=AuctionFeePaymeHandler())

urlpatterns = [
    path("api/auctions/payme/", endpoint_view, name="payme-endpoint"),
    re_path(r"^api/auctions/payme$", endpoint_view),
]
