"""Accounts: sign-up with a password, and sign-in (or sign-up) by an SMS code."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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


def user_sign_up(*, phone: str, first_name: str, password: str) -> User:
    try:
        with transaction.atomic():
            return User.objects.create_user(phone=phone, password=password, first_name=first_name)
    except IntegrityError as exc:
        raise SignUpError(_("Этот номер уже зарегистрирован. Войдите.")) from exc


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
        raise PhoneCodeError(too_soon)
    if not rate_limit_hit(f"phone-code:ip:{ip}", Limit(settings.PHONE_CODE_PER_IP_HOURLY, HOUR)):
        raise PhoneCodeError(_("Слишком много запросов с вашего адреса. Попробуйте через час."))
    if not rate_limit_hit(f"phone-code:number:{phone}", Limit(settings.PHONE_CODE_PER_NUMBER_HOURLY, HOUR)):
        raise PhoneCodeError(_("Слишком много кодов на этот номер. Попробуйте через час."))
    if not cache.add(cooldown_key, 1, timeout=settings.PHONE_CODE_RESEND_SECONDS):
        raise PhoneCodeError(too_soon)  # a parallel request won the race
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


def phone_code_verify(*, phone: str, code: str, first_name: str = "") -> tuple[User, bool]:
    """Check the code; sign in the number's user, creating it (without a password) if new.

    Returns (user, created). A wrong code counts an attempt; after
    PHONE_CODE_MAX_ATTEMPTS the code is dead and a new one must be requested.
    """
    try:
        phone = phone_normalize(phone)
    except ValidationError as exc:
        raise PhoneCodeError(exc.messages[0]) from exc
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
            user = User.objects.filter(phone=phone).first()
            created = user is None
            if user is None:
                user = User(phone=phone, first_name=first_name.strip()[:150])
                user.set_unusable_password()
                user.save()
            elif not user.is_active:
                error = _("Аккаунт заблокирован.")
    if error or user is None:
        raise PhoneCodeError(error)
    return user, created


def user_language_set(*, user: User, language: str) -> None:
    """Remember the language the user picked, for messages sent to them later."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("Неизвестный язык."))
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
