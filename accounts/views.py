import math
import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.forms import (
    PasswordReplaceForm,
    PasswordSetForm,
    PhoneAuthenticationForm,
    PhoneCodeRequestForm,
    PhoneCodeVerifyForm,
    ProfileForm,
    SignUpForm,
)
from accounts.lockout import lockout_time_left, minutes_up
from accounts.models import User
from accounts.phone import phone_normalize
from accounts.rules import password_change_needs_old, user_phone_confirmed
from accounts.services import (
    PendingSignUp,
    PhoneCodeError,
    PhoneCodeTooSoon,
    SignUpError,
    phone_code_request,
    phone_code_verify,
    sign_up_pending,
    user_password_set,
    user_profile_update,
    user_sign_up_start,
)
from core.http import safe_next
from core.ratelimit import rate_limit_allows, rate_limited_message

SESSION_PHONE = "phone_login_phone"
SESSION_NEXT = "phone_login_next"
SESSION_PHONE_PROVEN = "phone_proven_at"  # when this session signed in by SMS code (a Unix time)
SESSION_SIGNUP = "signup_pending"  # a PendingSignUp: name and password hash until the code comes back


def signup(request: HttpRequest) -> HttpResponse:
    """Sign-up step 1: number, name and password; the account is made once the SMS code comes back."""
    if request.user.is_authenticated:
        return redirect("dashboard:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and not rate_limit_allows(scope="signup", request=request):
        # Before the form is validated: its phone check tells whether a number is registered.
        form = SignUpForm(initial={"phone": request.POST.get("phone", "")[:32]})
        messages.error(request, rate_limited_message())
        return render(request, "accounts/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            pending = user_sign_up_start(
                phone=form.cleaned_data["phone"],
                first_name=form.cleaned_data["first_name"],
                password=form.cleaned_data["password1"],
                ip=request.META.get("REMOTE_ADDR", ""),
            )
        except PhoneCodeTooSoon as exc:
            if request.session.get(SESSION_PHONE) != form.cleaned_data["phone"]:
                form.add_error("phone", str(exc))  # this browser was not sent that code: only the wait
            else:
                # This browser was sent the number's code a moment ago (it came back to correct a
                # name or a password): the code goes with what it typed now.
                pending = sign_up_pending(
                    phone=form.cleaned_data["phone"],
                    first_name=form.cleaned_data["first_name"],
                    password=form.cleaned_data["password1"],
                )
                request.session[SESSION_SIGNUP] = pending.as_session()
                request.session[SESSION_NEXT] = ""
                sent = _("Код уже отправлен на этот номер — введите его. Имя и пароль — те, что вы указали сейчас.")
                messages.info(request, sent)
                return redirect("accounts:phone_verify")
        except (SignUpError, PhoneCodeError) as exc:
            form.add_error("phone", str(exc))
        else:
            request.session[SESSION_SIGNUP] = pending.as_session()
            request.session[SESSION_PHONE] = pending.phone
            request.session[SESSION_NEXT] = ""
            return redirect("accounts:phone_verify")
    return render(request, "accounts/signup.html", {"form": form})


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """The answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE; also the SMS-code views, which give the
    number as `credentials`): HTTP 429, a page for people and the API's error format for the API. Both say
    the time left until the lock ends (accounts.lockout.lockout_time_left), not the whole cool-off."""
    phone = _phone_of(request, credentials)
    by_sms = request.path in (reverse("accounts:phone_login"), reverse("accounts:phone_verify"))
    left = lockout_time_left(request, {"username": phone}, password=not by_sms)
    minutes = minutes_up(left)
    if request.path.startswith("/api/"):
        message = _("Слишком много неудачных попыток входа. Попробуйте через %(minutes)s мин.") % {"minutes": minutes}
        response: HttpResponse = JsonResponse(
            {"error": {"code": "locked_out", "message": message, "fields": {}}}, status=429
        )
        response.headers["Retry-After"] = str(max(1, math.ceil(left.total_seconds())))
        return response
    context = {"minutes": minutes, "sms_open": _sms_still_open(request, phone)}
    return render(request, "accounts/locked_out.html", context, status=429)


def _phone_of(request: HttpRequest, credentials: Any) -> str:
    """The number of a locked-out sign-in in E.164 (as axes recorded it), or "" if it is not one."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    try:
        return phone_normalize(str(raw))
    except ValidationError:
        return ""


def _sms_locked(request: HttpRequest, phone: str) -> bool:
    """True when sign-in for this number from this address is locked (django-axes), password or SMS."""
    return AxesProxyHandler.is_locked(request, {"username": phone})


def _sms_still_open(request: HttpRequest, phone: str) -> bool:
    """True when a locked-out password sign-in may still go by SMS code: the number is over its own
    budget (accounts.lockout, passwords only) but this address is not locked for it (django-axes)."""
    if request.path != reverse("accounts:login") or not phone:
        return False  # the SMS sign-in itself was locked, or no number to sign in with
    return not _sms_locked(request, phone)


class PhoneLoginView(LoginView):
    form_class = PhoneAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def phone_login(request: HttpRequest) -> HttpResponse:
    """Step 1 of sign-in (and sign-up) by SMS: the phone number.

    A signed-in user whose number is not confirmed yet (an account from the old password-only
    sign-up) comes here to confirm it: the code goes to the account's own number.
    """
    confirming = request.user.is_authenticated and not user_phone_confirmed(request.user)
    if request.user.is_authenticated and not confirming:
        return HttpResponseRedirect(safe_next(request, request.GET.get("next", ""), reverse("dashboard:dashboard")))
    if confirming:  # the code goes to the account's own number, whatever was posted
        own = {"phone": getattr(request.user, "phone", "")}
        form = PhoneCodeRequestForm(own if request.method == "POST" else None, initial=own)
    else:
        form = PhoneCodeRequestForm(request.POST or None)
    code_sent = False  # the number's code was sent to this browser a moment ago: it can go and enter it
    if request.method == "POST" and form.is_valid():
        if _sms_locked(request, form.cleaned_data["phone"]):
            return lockout_response(request, credentials={"username": form.cleaned_data["phone"]})
        try:
            phone = phone_code_request(phone=form.cleaned_data["phone"], ip=request.META.get("REMOTE_ADDR", ""))
        except PhoneCodeTooSoon as exc:
            code_sent = request.session.get(SESSION_PHONE) == form.cleaned_data["phone"]
            form.add_error("phone", str(exc))  # (takes the phone out of cleaned_data)
        except PhoneCodeError as exc:
            form.add_error("phone", str(exc))
        else:
            request.session[SESSION_PHONE] = phone
            request.session[SESSION_NEXT] = request.POST.get("next", "")
            request.session.pop(SESSION_SIGNUP, None)
            return redirect("accounts:phone_verify")
    return render(
        request,
        "accounts/phone_login.html",
        {"form": form, "next": request.GET.get("next", ""), "confirming": confirming, "code_sent": code_sent},
    )


def phone_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the SMS proves the number. A new number becomes an account: with the
    password of a pending sign-up, or with none (sign-in by SMS)."""
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("accounts:phone_login")
    signup = PendingSignUp.from_session(request.session.get(SESSION_SIGNUP))
    signed_in_id = request.user.pk if request.user.is_authenticated else None
    is_new = signup is None and not User.objects.filter(phone=phone).exists()
    form = PhoneCodeVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _sms_locked(request, phone):
            return lockout_response(request, credentials={"username": phone})
        try:
            user, created = phone_code_verify(
                phone=phone,
                code=form.cleaned_data["code"],
                first_name=form.cleaned_data["first_name"],
                signup=signup,
                signed_in_user_id=signed_in_id,
                language=getattr(request, "LANGUAGE_CODE", ""),
            )
        except PhoneCodeError as exc:
            # A failed sign-in like a wrong password: counts towards the lockout (django-axes).
            user_login_failed.send(sender=__name__, credentials={"username": phone}, request=request)
            if _sms_locked(request, phone):
                return lockout_response(request, credentials={"username": phone})
            form.add_error("code", str(exc))
        else:
            target = request.session.pop(SESSION_NEXT, "")
            request.session.pop(SESSION_PHONE, None)
            request.session.pop(SESSION_SIGNUP, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_PHONE_PROVEN] = time.time()
            if created and signup is not None:
                messages.success(request, _("Номер подтверждён, аккаунт создан."))
            elif created:
                messages.success(request, _("Добро пожаловать! Аккаунт создан, пароль не нужен."))
            elif user.pk == signed_in_id:
                messages.success(request, _("Номер подтверждён."))
            return HttpResponseRedirect(safe_next(request, target, reverse("dashboard:dashboard")))
    return render(
        request,
        "accounts/phone_verify.html",
        {"form": form, "phone": phone, "is_new": is_new, "signup": signup is not None},
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's name and password. An account made by SMS code has no password: it can set one
    here (then sign in with it and get an API token); one with a password changes it with the old."""
    user: User = request.user  # type: ignore[assignment]
    old_password_asked = password_change_needs_old(
        user, phone_proven_at=request.session.get(SESSION_PHONE_PROVEN), now=time.time()
    )
    password_form_class = PasswordReplaceForm if old_password_asked else PasswordSetForm
    action = request.POST.get("action") if request.method == "POST" else None
    profile_form = ProfileForm(request.POST if action == "profile" else None, initial={"first_name": user.first_name})
    password_form = password_form_class(user, request.POST if action == "password" else None)
    status = 200
    if action == "profile" and profile_form.is_valid():
        try:
            user_profile_update(user=user, first_name=profile_form.cleaned_data["first_name"])
        except ValidationError as exc:
            profile_form.add_error("first_name", exc)
        else:
            messages.success(request, _("Имя сохранено."))
            return redirect("accounts:profile")
    elif action == "password":
        # Each try checks the current password: limited like a sign-in, so a borrowed session
        # cannot be used to guess it.
        if not rate_limit_allows(scope="password_change", request=request):
            password_form = password_form_class(user)
            messages.error(request, rate_limited_message())
            status = 429
        elif password_form.is_valid():
            user_password_set(user=user, password=password_form.cleaned_data["new_password1"])
            update_session_auth_hash(request, user)  # this session stays signed in; the others end
            request.session.pop(SESSION_PHONE_PROVEN, None)  # the next change asks for this password
            messages.success(request, _("Пароль сохранён. На других устройствах войдите заново."))
            return redirect("accounts:profile")
    context = {
        "profile_form": profile_form,
        "password_form": password_form,
        "has_password": user.has_usable_password(),
        "old_password_asked": old_password_asked,
    }
    return render(request, "accounts/profile.html", context, status=status)
