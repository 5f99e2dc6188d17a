from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.forms import PhoneAuthenticationForm, SignUpForm
from accounts.services import SignUpError, user_sign_up
from auctions.selectors import auctions_of_seller
from listings.selectors import listings_of_seller


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_sign_up(
                phone=form.cleaned_data["phone"],
                first_name=form.cleaned_data["first_name"],
                password=form.cleaned_data["password1"],
            )
        except SignUpError as exc:
            form.add_error("phone", str(exc))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("accounts:dashboard")
    return render(request, "accounts/signup.html", {"form": form})


class PhoneLoginView(LoginView):
    form_class = PhoneAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/dashboard.html",
        {
            "listings": list(listings_of_seller(seller_id=request.user.pk)),
            "auctions": list(auctions_of_seller(seller_id=request.user.pk)),
        },
    )
