from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.phone import phone_normalize

PHONE_ATTRS = {"placeholder": "+998 90 123 45 67", "autocomplete": "tel", "inputmode": "tel"}


class SignUpForm(forms.Form):
    phone = forms.CharField(label=_("Телефон"), max_length=32, widget=forms.TextInput(attrs=PHONE_ATTRS))
    first_name = forms.CharField(label=_("Имя"), max_length=150)
    password1 = forms.CharField(
        label=_("Пароль"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Пароль ещё раз"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_phone(self) -> str:
        phone = phone_normalize(self.cleaned_data["phone"])
        if User.objects.filter(phone=phone, phone_verified_at__isnull=False).exists():  # accounts.services
            raise ValidationError(_("Этот номер уже зарегистрирован. Войдите."), code="phone_taken")
        return phone

    def clean(self) -> dict:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Пароли не совпадают."))
        elif p1:
            candidate = User(phone=data.get("phone", ""), first_name=data.get("first_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class PhoneAuthenticationForm(AuthenticationForm):
    """Sign-in by phone number in any common spelling."""

    username = forms.CharField(label=_("Телефон"), max_length=32, widget=forms.TextInput(attrs=PHONE_ATTRS))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # AuthenticationForm caps the field at the stored length (13, "+998901234567");
        # people type spaces and dashes, so allow the typed form.
        self.fields["username"].max_length = 32
        self.fields["username"].widget.attrs["maxlength"] = "32"

    def clean_username(self) -> str:
        raw = self.cleaned_data["username"]
        try:
            return phone_normalize(raw)
        except ValidationError:
            return raw  # fails authentication with the usual message


class PhoneCodeRequestForm(forms.Form):
    phone = forms.CharField(label=_("Телефон"), max_length=32, widget=forms.TextInput(attrs=PHONE_ATTRS))

    def clean_phone(self) -> str:
        return phone_normalize(self.cleaned_data["phone"])


class PhoneCodeVerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Код из SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "code-input", "autofocus": True}
        ),
    )
    first_name = forms.CharField(label=_("Как к вам обращаться"), max_length=150, required=False)


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("Имя"), max_length=150)


def _new_password_labels(form: SetPasswordForm) -> None:
    form.fields["new_password1"].label = _("Новый пароль")
    form.fields["new_password2"].label = _("Новый пароль ещё раз")


class PasswordSetForm(SetPasswordForm):
    """A first password for an account made by SMS code: then it can also sign in with it and get an API token."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        _new_password_labels(self)


class PasswordReplaceForm(PasswordChangeForm):
    """The current password, then the new one twice (Django's checks and messages)."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        _new_password_labels(self)
        self.fields["old_password"].label = _("Текущий пароль")
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
