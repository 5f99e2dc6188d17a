from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Уведомления")

    def ready(self) -> None:
        # auctions does not import notifications (it sits below): it calls the listeners registered here.
        from auctions.effects import listen_auction_events
        from notifications.tasks import auction_event_enqueue

        listen_auction_events(auction_event_enqueue)
