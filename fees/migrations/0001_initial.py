# The fee's models move here from `auctions` (state only: the tables stay; 0002 renames
# what the operator's checklist does not name).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.orders


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auctions", "0003_merge_bidding_rules_and_click_production"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="AuctionPayment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("merchant_trans_id", models.CharField(default=core.orders.merchant_trans_id_generate, editable=False, max_length=28, unique=True, verbose_name="merchant_trans_id")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="сумма, сум")),
                ("status", models.CharField(choices=[("pending", "Ожидает оплаты"), ("completed", "Оплачен"), ("cancelled", "Отменён")], db_index=True, default="pending", max_length=16, verbose_name="статус")),
                ("needs_refund", models.BooleanField(default=False, verbose_name="нужен возврат")),
                ("refund_status", models.CharField(blank=True, choices=[("", "—"), ("refunded", "Возвращён"), ("failed", "Ошибка возврата")], default="", max_length=16, verbose_name="возврат")),
                ("refund_note", models.CharField(blank=True, max_length=255, verbose_name="возврат: причина")),
                ("refund_attempts", models.PositiveSmallIntegerField(default=0, verbose_name="попыток возврата")),
                ("refunded_at", models.DateTimeField(blank=True, null=True, verbose_name="возвращён в")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="создан")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="изменён")),
                ("completed_at", models.DateTimeField(blank=True, null=True, verbose_name="оплачен в")),
                ("auction", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="payments", to="auctions.auction", verbose_name="аукцион")),
            ],
            options={
                "db_table": "auctions_auctionpayment",
                "verbose_name": "оплата аукциона",
                "verbose_name_plural": "оплаты аукционов",
                "ordering": ["created_at", "id"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("amount__gt", 0)), name="payment_amount_positive"),
                    models.UniqueConstraint(condition=models.Q(("status", "completed")), fields=("auction",), name="payment_one_completed_per_auction"),
                    models.UniqueConstraint(condition=models.Q(("status", "pending")), fields=("auction",), name="payment_one_pending_per_auction"),
                ],
            },
        ),
        migrations.CreateModel(
            name="PaymentAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("click_trans_id", models.BigIntegerField(unique=True)),
                ("click_paydoc_id", models.BigIntegerField(blank=True, null=True)),
                ("amount_raw", models.CharField(max_length=32, verbose_name="сумма (как прислал Click)")),
                ("sign_time", models.CharField(max_length=32)),
                ("status", models.CharField(choices=[("prepared", "Подготовлена"), ("completed", "Проведена"), ("cancelled", "Отменена")], default="prepared", max_length=16, verbose_name="статус")),
                ("click_error", models.IntegerField(blank=True, null=True, verbose_name="код Click")),
                ("click_error_note", models.CharField(blank=True, max_length=255, verbose_name="текст Click")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="подготовлена в")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="завершена в")),
                ("payment", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="click_transactions", to="fees.auctionpayment", verbose_name="оплата")),
            ],
            options={
                "db_table": "auctions_clicktransaction",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("status", "completed")), fields=("payment",), name="click_transaction_one_completed_per_payment"),
                ],
            },
        ),
        migrations.CreateModel(
            name="PaymentEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=32, verbose_name="событие")),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="подробности")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="время")),
                ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name="кто")),
                ("payment", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="events", to="fees.auctionpayment", verbose_name="оплата")),
            ],
            options={"db_table": "auctions_paymentevent", "ordering": ["created_at", "id"]},
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]
