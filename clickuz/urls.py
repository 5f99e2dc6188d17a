from django.urls import path

from clickuz import sandbox

app_name = "clickuz"

urlpatterns = [
    path("click-sandbox/services/pay", sandbox.sandbox_pay, name="sandbox-pay"),
]
