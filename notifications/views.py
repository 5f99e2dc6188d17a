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
    telegram_enabled = forms.BooleanField(label=gettext_lazy("Telegram"), required=False)
    sms_enabled = forms.BooleanField(label=gettext_lazy("SMS"), required=False)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            preference_update(
                user=user,  # type: ignore[arg-type]
                email=form.cleaned_data["email_enabled"],
                telegram=form.cleaned_data["telegram_enabled"],
                sms=form.cleaned_data["sms_enabled"],
            )
            messages.success(request, _("Настройки уведомлений сохранены."))
            return redirect("notifications:preferences")
    pref = preference_for(user)  # type: ignore[arg-type]
    form = PreferenceForm(
        initial={
            "email_enabled": pref.email_enabled,
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
            "telegram_linked": link is not None,
            "telegram_url": None if link else telegram_link_url(user=user),
        },  # type: ignore[arg-type]
    )
