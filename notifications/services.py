"""Notifications: who is told what, through which channels (e-mail, Telegram, SMS).

Senders run in Celery tasks after the transaction that caused them committed
(notifications.tasks); each channel fails on its own without stopping the others.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.formatting import format_phone
from core.sms import sms_send
from notifications.models import NotificationPreference, TelegramLink, telegram_link_token
from notifications.telegram import TelegramClient

logger = logging.getLogger(__name__)

KINDS = ("outbid", "started", "ending_soon", "extended", "won", "lost", "sold", "unsold", "fee_paid", "cancelled")


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    text: str  # short: Telegram and SMS
    email_body: str


def _subject(kind: str, number: int) -> str:
    subjects = {
        "outbid": _("Вашу ставку перебили — аукцион #%(n)s"),
        "started": _("Аукцион #%(n)s начался"),
        "ending_soon": _("Аукцион #%(n)s скоро закончится"),
        "extended": _("Аукцион #%(n)s продлён"),
        "won": _("Вы выиграли аукцион #%(n)s"),
        "lost": _("Аукцион #%(n)s завершён: победил другой участник"),
        "sold": _("Ваш аукцион #%(n)s завершён: квартира продана"),
        "unsold": _("Ваш аукцион #%(n)s завершён без победителя"),
        "fee_paid": _("Сбор за аукцион #%(n)s оплачен"),
        "cancelled": _("Аукцион #%(n)s отменён"),
    }
    return subjects[kind] % {"n": number}


def message_build(*, kind: str, context: dict[str, Any]) -> Message:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    subject = _subject(kind, context["auction"].pk)
    body = render_to_string(f"notifications/email/{kind}.txt", context).strip()
    text = f"{subject}\n{context['url']}"
    if kind == "won" and context.get("seller") is not None:
        # Short channels (Telegram, SMS) carry the next step too: whom to call.
        seller = context["seller"]
        step = _("Следующий шаг: позвоните продавцу — %(name)s, %(phone)s.") % {
            "name": seller.display_name,
            "phone": format_phone(seller.phone),
        }
        text = f"{subject}\n{step}\n{context['url']}"
    return Message(kind=kind, subject=subject, text=text, email_body=body)


def preference_for(user: User) -> NotificationPreference:
    """The user's channel choices (all on until they change them); no query when select_related."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def preference_update(
    *, user: User, email: bool, telegram: bool, sms: bool, email_address: str | None = None
) -> NotificationPreference:
    """The channels; `email_address` (already validated; "" clears it, None leaves it) is where e-mail goes."""
    with transaction.atomic():
        pref, _created = NotificationPreference.objects.update_or_create(
            user=user, defaults={"email_enabled": email, "telegram_enabled": telegram, "sms_enabled": sms}
        )
        if email_address is not None:
            user.email = User.objects.normalize_email(email_address.strip())
            user.save(update_fields=["email"])
    return pref


def notification_send(*, user: User, message: Message) -> list[str]:
    """Send through every channel the user has not opted out of; returns the channels used."""
    pref = preference_for(user)
    sent: list[str] = []
    if pref.email_enabled and user.email:
        try:
            send_mail(message.subject, message.email_body, settings.DEFAULT_FROM_EMAIL, [user.email])
            sent.append("email")
        except Exception:
            logger.exception("e-mail %s to user %s failed", message.kind, user.pk)
    if pref.telegram_enabled and settings.TELEGRAM_BOT_TOKEN:
        try:
            link: TelegramLink | None = user.telegram_link
        except TelegramLink.DoesNotExist:
            link = None
        if link is not None and link.chat_id is not None:
            try:
                TelegramClient().send_message(chat_id=link.chat_id, text=message.text)
                sent.append("telegram")
            except Exception:
                logger.exception("telegram %s to user %s failed", message.kind, user.pk)
    if pref.sms_enabled:
        try:
            sms_send(phone=user.phone, text=message.text)
            sent.append("sms")
        except Exception:
            logger.exception("sms %s to user %s failed", message.kind, user.pk)
    return sent


# --- Linking a Telegram chat ------------------------------------------------------


def telegram_link_url(*, user: User) -> str | None:
    """The deep link that opens the bot with the user's one-time token (None without a bot)."""
    if not settings.TELEGRAM_BOT_USERNAME:
        return None
    link, _created = TelegramLink.objects.get_or_create(user=user)
    return f"https://t.me/{settings.TELEGRAM_BOT_USERNAME}?start={link.token}"


def telegram_link_confirm(*, token: str, chat_id: int) -> User | None:
    """The bot received `/start <token>` from a chat: link it to the token's user.

    The token works once: a deep link seen by somebody else (a forwarded message, a shared screen)
    must not move the user's notifications to their chat later. (The settings page shows no link once
    a chat is linked; telegram_link_url gives the new token if a re-link is ever offered.)"""
    with transaction.atomic():
        link = TelegramLink.objects.select_for_update().filter(token=token).first()
        if link is None:
            return None
        link.chat_id = chat_id
        link.linked_at = timezone.now()
        link.token = telegram_link_token()
        link.save(update_fields=["chat_id", "linked_at", "token"])
        return link.user


def telegram_updates_process(*, updates: list[dict[str, Any]]) -> int:
    """Handle `/start <token>` messages from getUpdates (or a webhook); returns how many chats were linked."""
    linked = 0
    for update in updates:
        message = update.get("message") if isinstance(update, dict) else None
        if not isinstance(message, dict):
            continue
        text = message.get("text")
        chat = message.get("chat")
        if not isinstance(text, str) or not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            continue
        parts = text.split()
        if len(parts) == 2 and parts[0] == "/start":
            user = telegram_link_confirm(token=parts[1][:32], chat_id=chat["id"])
            if user is not None:
                linked += 1
                try:
                    TelegramClient().send_message(
                        chat_id=chat["id"], text=_("Готово: уведомления kvartirabar будут приходить сюда.")
                    )
                except Exception:
                    logger.exception("telegram greeting failed")
    return linked
