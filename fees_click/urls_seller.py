"""The seller's fee actions on the auction page."""

from django.urls import path

from fees_click import views

app_name = "fees_click"

urlpatterns = [
    path("auctions/<int:pk>/pay/", views.payment_initiate, name="payment-initiate"),
    path("auctions/<int:pk>/pay/invoice/", views.payment_invoice, name="payment-invoice"),
]
