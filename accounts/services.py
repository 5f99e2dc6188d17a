from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User


class SignUpError(Exception):
    pass


def user_sign_up(*, phone: str, first_name: str, password: str) -> User:
    try:
        with transaction.atomic():
            return User.objects.create_user(phone=phone, password=password, first_name=first_name)
    except IntegrityError as exc:
        raise SignUpError(_("Этот номер уже зарегистрирован. Войдите.")) from exc
