from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import TelegramLink
from notifications.services import preference_for, preference_update, telegram_link_url


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(label=gettext_lazy("E-mail"), required=False)
    # Where the e-mail goes: optional (most accounts have only a phone), checked when given.
    email = forms.EmailField(
        label=gettext_lazy("Адрес e-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "name@example.uz"}),
    )
    telegram_enabled = forms.BooleanField(label=gettext_lazy("Telegram"), required=False)
    sms_enabled = forms.BooleanField(label=gettext_lazy("SMS"), required=False)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    pref = preference_for(user)  # type: ignore[arg-type]
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            preference_update(
                user=user,  # type: ignore[arg-type]
                email=form.cleaned_data["email_enabled"],
                telegram=form.cleaned_data["telegram_enabled"],
                sms=form.cleaned_data["sms_enabled"],
                # A form without the address field (an older page) leaves the address as it is.
                email_address=form.cleaned_data["email"] if "email" in request.POST else None,
            )
            messages.success(request, _("Настройки уведомлений сохранены."))
            return redirect("notifications:preferences")
    else:
        form = PreferenceForm(
            initial={
                "email_enabled": pref.email_enabled,
                "email": user.email,  # type: ignore[union-attr]
                "telegram_enabled": pref.telegram_enabled,
                "sms_enabled": pref.sms_enabled,
            }
        )
    link = TelegramLink.objects.filter(user=user, chat_id__isnull=False).first()
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "email_missing": pref.email_enabled and not user.email,  # type: ignore[union-attr]
            "telegram_linked": link is not None,
            "telegram_url": None if link else telegram_link_url(user=user),
        },  # type: ignore[arg-type]
    )
