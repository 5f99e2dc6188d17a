"""Click's callbacks → the fee core → Click's answers. The only place that knows
which Click error code a fee decision becomes (shop-api.md §5)."""

from clickuz.errors import ClickError
from clickuz.handlers import ClickAnswer
from clickuz.protocol import ClickRequest
from fees.models import Gateway
from fees.services import FeeCode, FeeDecision, fee_complete, fee_prepare

_PREPARE_CODES = {
    FeeCode.OK: ClickError.SUCCESS,
    FeeCode.ORDER_NOT_FOUND: ClickError.USER_NOT_FOUND,
    FeeCode.ATTEMPT_CONFLICT: ClickError.BAD_REQUEST,
    FeeCode.ALREADY_PAID: ClickError.ALREADY_PAID,
    FeeCode.CANCELLED: ClickError.TRANSACTION_CANCELLED,
    FeeCode.AMOUNT_MISMATCH: ClickError.INCORRECT_AMOUNT,
    # A Payme transaction reserves the order: Click may not pay it meanwhile (merchant-api.md §6).
    FeeCode.HELD: ClickError.TRANSACTION_CANCELLED,
}
_COMPLETE_CODES = _PREPARE_CODES | {FeeCode.ATTEMPT_NOT_FOUND: ClickError.TRANSACTION_NOT_FOUND}


def _answer(decision: FeeDecision, codes: dict[FeeCode, ClickError]) -> ClickAnswer:
    code = codes.get(decision.code, ClickError.BAD_REQUEST)
    # Click's merchant_prepare_id / merchant_confirm_id are our attempt's id.
    merchant_id = decision.attempt_id if code in (ClickError.SUCCESS, ClickError.ALREADY_PAID) else None
    return ClickAnswer(code, merchant_id, detail=decision.detail)


def click_prepare(request: ClickRequest) -> ClickAnswer:
    decision = fee_prepare(
        order=request.merchant_trans_id,
        gateway=Gateway.CLICK,
        gateway_trans_id=str(request.click_trans_id),
        amount=request.amount,
        paydoc_id=str(request.click_paydoc_id) if request.click_paydoc_id is not None else "",
        gateway_data={"amount_raw": request.amount_raw[:32], "sign_time": request.sign_time[:32]},
    )
    return _answer(decision, _PREPARE_CODES)


def click_complete(request: ClickRequest) -> ClickAnswer:
    if request.merchant_prepare_id is None:
        return ClickAnswer(ClickError.BAD_REQUEST, detail="merchant_prepare_id is missing")
    decision = fee_complete(
        order=request.merchant_trans_id,
        gateway=Gateway.CLICK,
        attempt_id=request.merchant_prepare_id,
        gateway_trans_id=str(request.click_trans_id),
        amount=request.amount,
        # Only error = 0 means the money moved: never credit anything else.
        succeeded=request.error == 0,
        error=request.error,
        note=request.error_note,
    )
    return _answer(decision, _COMPLETE_CODES)


class AuctionFeeClickHandler:
    """Connects Click's callbacks to the auction fee (clickuz.handlers.ClickPaymentHandler)."""

    def prepare(self, request: ClickRequest) -> ClickAnswer:
        return click_prepare(request)

    def complete(self, request: ClickRequest) -> ClickAnswer:
        return click_complete(request)
