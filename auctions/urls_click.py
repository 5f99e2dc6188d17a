"""The Click callback URLs registered in the Click cabinet (checklist step 2).

Also answered without the trailing slash, so a URL typed without it still
gets Click's JSON instead of a redirect.
"""

from django.urls import re_path

from auctions.services import AuctionFeeClickHandler
from clickuz.protocol import Action
from clickuz.views import ClickCallbackView

_handler = AuctionFeeClickHandler()

urlpatterns = [
    re_path(
        r"^api/auctions/click/prepare/?$",
        ClickCallbackView.as_view(action=Action.PREPARE, handler=_handler),
        name="click-prepare",
    ),
    re_path(
        r"^api/auctions/click/complete/?$",
        ClickCallbackView.as_view(action=Action.COMPLETE, handler=_handler),
        name="click-complete",
    ),
]
