# The fee's models now belong to `fees` and `fees_click` (their 0001 take them over
# without touching the tables); here they leave this app's state.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0003_merge_bidding_rules_and_click_production"),
        ("fees", "0001_initial"),
        ("fees_click", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ClickInvoice"),
                migrations.DeleteModel(name="PaymentEvent"),
                migrations.DeleteModel(name="ClickTransaction"),
                migrations.DeleteModel(name="AuctionPayment"),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="auction",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="отменён в"),
        ),
    ]
