"""Accounts: sign-up with a password confirmed by an SMS code, and sign-in (or sign-up) by an SMS code."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PhoneCode, User
from accounts.phone import phone_normalize
from core.ratelimit import Limit, rate_limit_hit
from core.sms import sms_send

CODE_DIGITS = 6
HOUR = 3600


class SignUpError(Exception):
    pass


class PhoneCodeError(Exception):
    """A code was not sent or not accepted; str(exc) is the message for the visitor."""


class PhoneCodeTooSoon(PhoneCodeError):
    """A code went to the number less than PHONE_CODE_RESEND_SECONDS ago: no new one yet."""


@dataclass(frozen=True)
class PendingSignUp:
    """A sign-up waiting for its SMS code; kept in the server-side session, never in the user table.

    No account exists for the number until the code is typed, so nobody can squat a number by
    signing up with it: the person who holds the phone decides.
    """

    phone: str
    first_name: str
    password_hash: str

    def as_session(self) -> dict[str, str]:
        return {"phone": self.phone, "first_name": self.first_name, "password_hash": self.password_hash}

    @classmethod
    def from_session(cls, data: object) -> "PendingSignUp | None":
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                phone=str(data["phone"]), first_name=str(data["first_name"]), password_hash=str(data["password_hash"])
            )
        except KeyError:
            return None


def user_phone_taken(*, phone: str) -> bool:
    """True when a confirmed account holds the number (an unconfirmed one is given to whoever proves it)."""
    return User.objects.filter(phone=phone, phone_verified_at__isnull=False).exists()


def user_sign_up_start(*, phone: str, first_name: str, password: str, ip: str) -> PendingSignUp:
    """Sign-up step 1: send a code to the number; the account is made when the code comes back
    (phone_code_verify with signup=...). Raises SignUpError or PhoneCodeError with the visitor's message."""
    phone = phone_normalize(phone)
    if user_phone_taken(phone=phone):
        raise SignUpError(_("Этот номер уже зарегистрирован. Войдите."))
    phone_code_request(phone=phone, ip=ip)
    return sign_up_pending(phone=phone, first_name=first_name, password=password)


def sign_up_pending(*, phone: str, first_name: str, password: str) -> PendingSignUp:
    """What waits for the code: also what a browser that was sent the number's code a moment ago
    types again (a corrected name or password) while no new code may go yet."""
    return PendingSignUp(
        phone=phone_normalize(phone), first_name=first_name.strip()[:150], password_hash=make_password(password)
    )


def _code_hash(*, phone: str, code: str) -> str:
    key = f"phone-code:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def phone_code_request(*, phone: str, ip: str) -> str:
    """Send a fresh sign-in code to the number; returns the number in E.164.

    Limits (cache): one code per number per PHONE_CODE_RESEND_SECONDS, at most
    PHONE_CODE_PER_NUMBER_HOURLY per number and PHONE_CODE_PER_IP_HOURLY per
    address an hour. Older unused codes of the number stop working.
    """
    phone = phone_normalize(phone)  # ValidationError with a clear message
    cooldown_key = f"phone-code:cooldown:{phone}"
    too_soon = _("Код уже отправлен. Новый можно запросить через минуту.")
    if cache.get(cooldown_key):
        raise PhoneCodeTooSoon(too_soon)
    if not rate_limit_hit(f"phone-code:ip:{ip}", Limit(settings.PHONE_CODE_PER_IP_HOURLY, HOUR)):
        raise PhoneCodeError(_("Слишком много запросов с вашего адреса. Попробуйте через час."))
    if not rate_limit_hit(f"phone-code:number:{phone}", Limit(settings.PHONE_CODE_PER_NUMBER_HOURLY, HOUR)):
        raise PhoneCodeError(_("Слишком много кодов на этот номер. Попробуйте через час."))
    if not cache.add(cooldown_key, 1, timeout=settings.PHONE_CODE_RESEND_SECONDS):
        raise PhoneCodeTooSoon(too_soon)  # a parallel request won the race
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        PhoneCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        PhoneCode.objects.create(
            phone=phone,
            code_hash=_code_hash(phone=phone, code=code),
            expires_at=now + timedelta(seconds=settings.PHONE_CODE_TTL),
        )
        text = _("Код для входа на kvartirabar.uz: %(code)s. Никому его не сообщайте.") % {"code": code}
        transaction.on_commit(lambda: sms_send(phone=phone, text=text))
    return phone


def phone_code_verify(
    *,
    phone: str,
    code: str,
    first_name: str = "",
    signup: PendingSignUp | None = None,
    signed_in_user_id: int | None = None,
    language: str = "",
) -> tuple[User, bool]:
    """Check the code; the number is proven: sign in its account, creating it if new.

    Returns (user, created). A new account gets the pending sign-up's name and password
    (`signup`), or no password (sign-in by SMS). A wrong code counts an attempt; after
    PHONE_CODE_MAX_ATTEMPTS the code is dead and a new one must be requested.
    `signed_in_user_id`: the visitor is signed in to this account and confirms its number.
    `language`: the language the visitor reads the site in; a new account keeps it for its messages
    (and for pages on a device without the switcher's cookie).
    """
    try:
        phone = phone_normalize(phone)
    except ValidationError as exc:
        raise PhoneCodeError(exc.messages[0]) from exc
    if signup is not None and signup.phone != phone:
        signup = None  # a sign-up for another number: this code proves only this one
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    now = timezone.now()
    error = ""
    user: User | None = None
    created = False
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or row.expires_at <= now:
            error = _("Код истёк или не запрошен. Запросите новый код.")
        elif row.attempts >= settings.PHONE_CODE_MAX_ATTEMPTS:
            error = _("Слишком много неверных попыток. Запросите новый код.")
        elif not hmac.compare_digest(row.code_hash, _code_hash(phone=phone, code=code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])  # committed: the attempt counts even though we refuse
            left = settings.PHONE_CODE_MAX_ATTEMPTS - row.attempts
            error = _("Неверный код. Осталось попыток: %(n)s.") % {"n": left}
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            user, created, error = _number_proven(
                phone=phone,
                first_name=first_name,
                now=now,
                signup=signup,
                signed_in_user_id=signed_in_user_id,
                language=language,
            )
    if error or user is None:
        raise PhoneCodeError(error)
    return user, created


def _number_proven(
    *,
    phone: str,
    first_name: str,
    now: datetime,
    signup: PendingSignUp | None,
    signed_in_user_id: int | None,
    language: str = "",
) -> tuple[User | None, bool, str]:
    """The number's holder typed its code (inside the caller's transaction): (user, created, error)."""
    user = User.objects.select_for_update().filter(phone=phone).first()
    name = (signup.first_name if signup else first_name).strip()[:150]
    if user is None:
        user = User(phone=phone, first_name=name, phone_verified_at=now)
        if language in {code for code, _name in settings.LANGUAGES}:
            user.language = language
        if signup is not None:
            user.password = signup.password_hash
        else:
            user.set_unusable_password()
        user.save()
        return user, True, ""
    if not user.is_active:
        return None, False, _("Аккаунт заблокирован.")
    if user.phone_verified_at is not None:
        if signup is not None:
            return None, False, _("Этот номер уже зарегистрирован. Войдите.")
        return user, False, ""
    # An account that never proved this number (made by the old password-only sign-up). Unless the
    # visitor is signed in to it, whoever made it did not show they hold the phone: its password, API
    # tokens and sessions (Django checks the password hash on every request) stop working, and the
    # account is now the number holder's alone.
    fields = ["phone_verified_at"]
    user.phone_verified_at = now
    if user.pk != signed_in_user_id:
        if signup is not None:
            user.password = signup.password_hash
        else:
            user.set_unusable_password()
        user.first_name = name
        fields += ["password", "first_name"]
        Token = apps.get_model("authtoken", "Token")  # the API's tokens (accounts sits below api)
        Token.objects.filter(user=user).delete()
    user.save(update_fields=fields)
    return user, False, ""


def user_profile_update(*, user: User, first_name: str) -> None:
    """The name the site, the seller's buyers and the messages call the user by."""
    name = first_name.strip()[:150]
    if not name:
        raise ValidationError(_("Укажите имя."))
    User.objects.filter(pk=user.pk).update(first_name=name)
    user.first_name = name


def user_password_set(*, user: User, password: str) -> None:
    """A new password (validated by the caller's form). The user's other sessions end with it
    (Django's session hash) and so do their API tokens: a password is changed when it may have
    leaked, and whoever held it may have taken a token too."""
    Token = apps.get_model("authtoken", "Token")  # the API's tokens (accounts sits below api)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        Token.objects.filter(user=user).delete()


def user_language_set(*, user: User, language: str) -> None:
    """Remember the language the user picked, for messages sent to them later."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("Неизвестный язык."))
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
