from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as project_urlpatterns


def ping(request: HttpRequest) -> HttpResponse:
    """The trivial Django view: the cost of a request through the same stack, without the database."""
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
def locked_write(request: HttpRequest) -> JsonResponse:
    """The least any correct callback does (bench/click.py's floor): lock one payment row by its
    order id and write it, in one transaction. No signature, no attempt row, no log, no checks."""
    from fees.models import AuctionPayment

    with transaction.atomic():
        order = request.POST.get("merchant_trans_id", "")
        payment = AuctionPayment.objects.select_for_update().filter(merchant_trans_id=order).first()
        if payment is None:
            return JsonResponse({"error": -5})
        AuctionPayment.objects.filter(pk=payment.pk).update(updated_at=timezone.now())
    return JsonResponse({"error": 0, "merchant_prepare_id": payment.pk, "merchant_confirm_id": payment.pk})


urlpatterns = [path("bench/ping/", ping), path("bench/locked-write/", locked_write), *project_urlpatterns]
