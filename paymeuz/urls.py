from django.urls import path

from paymeuz import sandbox

app_name = "paymeuz"

urlpatterns = [
    path("payme-sandbox/", sandbox.sandbox_pay, name="sandbox-pay-form"),
    path("payme-sandbox/<path:encoded>", sandbox.sandbox_pay, name="sandbox-pay"),
]
