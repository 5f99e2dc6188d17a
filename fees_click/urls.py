"""The Click callback URLs registered in the Click cabinet (checklist step 2).

The callbacks are also answered without the trailing slash, so a URL typed
without it still gets Click's JSON instead of a redirect.
"""

from django.urls import path, re_path

from clickuz.protocol import Action
from clickuz.views import ClickCallbackView
from fees_click.adapter import AuctionFeeClickHandler

_handler = AuctionFeeClickHandler()

prepare_view = ClickCallbackView.as_view(action=Action.PREPARE, handler=_handler)
complete_view = ClickCallbackView.as_view(action=Action.COMPLETE, handler=_handler)

urlpatterns = [
    path("api/auctions/click/prepare/", prepare_view, name="click-prepare"),
    path("api/auctions/click/complete/", complete_view, name="click-complete"),
    re_path(r"^api/auctions/click/prepare$", prepare_view),
    re_path(r"^api/auctions/click/complete$", complete_view),
]
