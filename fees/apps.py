from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_auction_event(kind: str, *, auction_id: int, **_details: object) -> None:
    """After an auction event commits: a cancelled auction's fee is settled (its open
    payment cancelled, a fee paid before the start refunded). The fee job catches anything missed."""
    if kind == "cancelled":
        from fees.services import fees_settle_cancelled_auction

        fees_settle_cancelled_auction(auction_id=auction_id)


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("Сбор за аукцион")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auctions.effects import listen_auction_events

        listen_auction_events(_on_auction_event)
