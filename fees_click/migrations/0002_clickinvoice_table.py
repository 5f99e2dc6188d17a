from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("fees_click", "0001_initial"), ("auctions", "0004_fee_models_move_to_fees")]

    operations = [migrations.AlterModelTable(name="clickinvoice", table=None)]
