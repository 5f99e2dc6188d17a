from django.urls import path

from listings import views

app_name = "listings"

# The listing page ("listings:detail", listings/<int:pk>/) shows the listing's auction, so its view is
# auctions.views_pages.listing_detail, added to this namespace in config/urls.py.

urlpatterns = [
    path("listings/", views.listing_list, name="list"),
    path("listings/new/", views.listing_create, name="create"),
    path("listings/<int:pk>/edit/", views.listing_edit, name="edit"),
    path("listings/<int:pk>/submit/", views.listing_submit, name="submit"),
    path("listings/<int:pk>/sold/", views.listing_mark_sold, name="mark_sold"),
    path("listings/<int:pk>/archive/", views.listing_archive, name="archive"),
    path("listings/<int:pk>/relist/", views.listing_relist, name="relist"),
    path("listings/<int:pk>/favorite/", views.favorite_toggle, name="favorite"),
    path("listings/photos/<int:pk>/cover/", views.photo_cover, name="photo_cover"),
    path("listings/photos/<int:pk>/move/", views.photo_move, name="photo_move"),
    path("listings/photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("favorites/", views.favorites, name="favorites"),
    path("favorites/after-sign-in/", views.favorite_after_sign_in, name="favorite_after_sign_in"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/<int:pk>/", views.moderation_decide, name="moderation_decide"),
]
