# Click attempts become gateway-neutral attempts, and refunds get a row of their own.

from decimal import Decimal, InvalidOperation

import django.db.models.deletion
from django.db import migrations, models


def attempts_fill(apps, schema_editor):
    PaymentAttempt = apps.get_model("fees", "PaymentAttempt")
    for attempt in PaymentAttempt.objects.all().iterator():
        try:
            amount = Decimal(attempt.amount_raw)
        except (InvalidOperation, TypeError):
            amount = attempt.payment.amount
        attempt.amount = amount
        attempt.gateway_data = {"amount_raw": attempt.amount_raw, "sign_time": attempt.sign_time}
        attempt.save(update_fields=["amount", "gateway_data"])


def refunds_from_flags(apps, schema_editor):
    """Payments flagged before refunds had rows. One whose reversal was recorded as failed
    may in truth have gone through (a timeout): it starts as unknown, to be asked about first."""
    AuctionPayment = apps.get_model("fees", "AuctionPayment")
    PaymentAttempt = apps.get_model("fees", "PaymentAttempt")
    FeeRefund = apps.get_model("fees", "FeeRefund")
    for payment in AuctionPayment.objects.filter(needs_refund=True).exclude(refund_status="refunded"):
        attempt = PaymentAttempt.objects.filter(payment=payment, status="completed").first()
        if attempt is None:
            continue
        FeeRefund.objects.create(
            payment=payment,
            attempt=attempt,
            gateway=attempt.gateway,
            amount=attempt.amount,
            state="unknown" if payment.refund_status == "failed" else "requested",
            reason="migrated",
            note=payment.refund_note,
            sends=payment.refund_attempts,
        )


class Migration(migrations.Migration):
    # Data updates between schema changes: PostgreSQL refuses an ALTER TABLE with pending
    # deferred-constraint events in the same transaction, so each step commits on its own.
    atomic = False

    dependencies = [
        ("fees", "0001_initial"),
        ("auctions", "0004_fee_models_move_to_fees"),
    ]

    operations = [
        migrations.AlterModelTable(name="paymentattempt", table=None),
        migrations.AlterModelTable(name="paymentevent", table=None),
        migrations.RemoveConstraint(model_name="paymentattempt", name="click_transaction_one_completed_per_payment"),
        migrations.RenameField(model_name="paymentattempt", old_name="click_trans_id", new_name="gateway_trans_id"),
        migrations.AlterField(
            model_name="paymentattempt",
            name="gateway_trans_id",
            field=models.CharField(max_length=64, verbose_name="id транзакции"),
        ),
        migrations.RenameField(model_name="paymentattempt", old_name="click_paydoc_id", new_name="gateway_paydoc_id"),
        migrations.AlterField(
            model_name="paymentattempt",
            name="gateway_paydoc_id",
            field=models.CharField(max_length=64, null=True, blank=True),
        ),
        migrations.RunSQL(
            "UPDATE fees_paymentattempt SET gateway_paydoc_id = '' WHERE gateway_paydoc_id IS NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="paymentattempt",
            name="gateway_paydoc_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="id платёжного документа"),
        ),
        migrations.RenameField(model_name="paymentattempt", old_name="click_error", new_name="gateway_error"),
        migrations.RenameField(
            model_name="paymentattempt", old_name="click_error_note", new_name="gateway_error_note"
        ),
        migrations.AddField(
            model_name="paymentattempt",
            name="gateway",
            field=models.CharField(
                choices=[("click", "Click"), ("payme", "Payme")],
                default="click",
                max_length=8,
                verbose_name="платёжная система",
            ),
        ),
        migrations.AddField(
            model_name="paymentattempt",
            name="gateway_payment_id",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="id платежа в API"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="paymentattempt",
            name="amount",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name="сумма, сум"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="paymentattempt",
            name="gateway_data",
            field=models.JSONField(blank=True, default=dict, verbose_name="данные платёжной системы"),
        ),
        migrations.RunPython(attempts_fill, migrations.RunPython.noop),
        migrations.RemoveField(model_name="paymentattempt", name="amount_raw"),
        migrations.RemoveField(model_name="paymentattempt", name="sign_time"),
        migrations.AlterField(
            model_name="paymentattempt",
            name="payment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attempts",
                to="fees.auctionpayment",
                verbose_name="оплата",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentattempt",
            constraint=models.UniqueConstraint(
                fields=("gateway", "gateway_trans_id"), name="attempt_unique_gateway_trans_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentattempt",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "completed")), fields=("payment",), name="attempt_one_completed_per_payment"
            ),
        ),
        migrations.CreateModel(
            name="FeeRefund",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("gateway", models.CharField(choices=[("click", "Click"), ("payme", "Payme")], max_length=8, verbose_name="платёжная система")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="сумма, сум")),
                ("state", models.CharField(choices=[("requested", "Запрошен"), ("sending", "Отправляется"), ("done", "Возвращён"), ("failed", "Отклонён платёжной системой"), ("unknown", "Исход неизвестен: уточняется")], db_index=True, default="requested", max_length=16, verbose_name="состояние")),
                ("reason", models.CharField(max_length=64, verbose_name="причина")),
                ("note", models.CharField(blank=True, max_length=255, verbose_name="ответ платёжной системы")),
                ("sends", models.PositiveSmallIntegerField(default=0, verbose_name="отправок")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="создан")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="изменён")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="отправлен")),
                ("settled_at", models.DateTimeField(blank=True, null=True, verbose_name="завершён")),
                ("attempt", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="refunds", to="fees.paymentattempt", verbose_name="попытка оплаты")),
                ("payment", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="refunds", to="fees.auctionpayment", verbose_name="оплата")),
            ],
            options={
                "verbose_name": "возврат сбора",
                "verbose_name_plural": "возвраты сбора",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("state__in", ("requested", "sending", "done", "unknown"))), fields=("attempt",), name="refund_one_live_per_attempt"),
                    models.CheckConstraint(condition=models.Q(("amount__gt", 0)), name="refund_amount_positive"),
                ],
            },
        ),
        migrations.RunPython(refunds_from_flags, migrations.RunPython.noop),
    ]
