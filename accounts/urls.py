from django.contrib.auth.views import LogoutView
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.PhoneLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("login/phone/", views.phone_login, name="phone_login"),
    path("login/phone/code/", views.phone_verify, name="phone_verify"),
    path("account/", views.profile, name="profile"),
]
