"""Payme in the fee core's refund machine (fees.refunds).

Payme gives a performed transaction's money back only by calling our CancelTransaction
(from the merchant cabinet, or Payme's support): we cannot send a refund. A refund of a
Payme charge therefore waits, `unknown`, with a note telling the operator what to do;
the CancelTransaction settles it (fees.services.fee_refund_at_gateway), and a check here
settles it too once the transaction is cancelled."""

from fees.gateways import GatewayAnswer, GatewayOutcome
from fees.models import FeeRefund
from fees_payme.models import PaymeState, PaymeTransaction


def _waiting_note(refund: FeeRefund) -> str:
    payme_id = PaymeTransaction.objects.filter(attempt_id=refund.attempt_id).values_list("payme_id", flat=True).first()
    return (
        f"operator: cancel Payme transaction {payme_id or '?'} in the Payme merchant cabinet "
        "(Payme refunds only through its CancelTransaction)"
    )


class PaymeRefunds:
    def refund_send(self, refund: FeeRefund) -> GatewayAnswer:
        return self.refund_check(refund)

    def refund_check(self, refund: FeeRefund) -> GatewayAnswer:
        state = PaymeTransaction.objects.filter(attempt_id=refund.attempt_id).values_list("state", flat=True).first()
        if state == PaymeState.CANCELLED_AFTER_PERFORM:
            return GatewayAnswer(GatewayOutcome.DONE, "Payme cancelled the transaction (state -2)")
        return GatewayAnswer(GatewayOutcome.UNKNOWN, _waiting_note(refund))
