# ClickInvoice moves here from `auctions` (state only; 0002 renames its table).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("fees", "0001_initial")]

    state_operations = [
        migrations.CreateModel(
            name="ClickInvoice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("phone_number", models.CharField(max_length=16, verbose_name="телефон")),
                ("invoice_id", models.BigIntegerField(blank=True, null=True, unique=True, verbose_name="номер счёта в Click")),
                ("status", models.CharField(choices=[("waiting", "Ждёт оплаты в Click"), ("paid", "Оплачен"), ("failed", "Отклонён"), ("error", "Не выставлен")], default="waiting", max_length=16, verbose_name="статус")),
                ("click_status", models.IntegerField(blank=True, null=True, verbose_name="статус в Click")),
                ("note", models.CharField(blank=True, max_length=255, verbose_name="ответ Click")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="выставлен")),
                ("checked_at", models.DateTimeField(blank=True, null=True, verbose_name="проверен")),
                ("payment", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="invoices", to="fees.auctionpayment", verbose_name="оплата")),
            ],
            options={"db_table": "auctions_clickinvoice", "ordering": ["-created_at", "-id"]},
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]
