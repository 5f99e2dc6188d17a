from django.urls import path

from listings import views

app_name = "listings"

urlpatterns = [
    path("listings/", views.listing_list, name="list"),
    path("listings/new/", views.listing_create, name="create"),
    path("listings/<int:pk>/", views.listing_detail, name="detail"),
]
