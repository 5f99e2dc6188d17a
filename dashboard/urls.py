from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/bids/", views.my_bids, name="bids"),
    path("dashboard/payments/<int:pk>/receipt/", views.payment_receipt, name="receipt"),
]
