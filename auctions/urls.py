from django.urls import path

from auctions import views

app_name = "auctions"

urlpatterns = [
    path("auctions/<int:pk>/", views.auction_detail, name="detail"),
    path("auctions/<int:pk>/bid/", views.bid_create, name="bid"),
    path("auctions/<int:pk>/cancel/", views.auction_cancel, name="cancel"),
    path("auctions/<int:pk>/buy-now/", views.buy_now, name="buy-now"),
    path("auctions/<int:pk>/watch/", views.watch_toggle, name="watch"),
    path("listings/<int:listing_pk>/auction/new/", views.auction_create, name="create"),
]
