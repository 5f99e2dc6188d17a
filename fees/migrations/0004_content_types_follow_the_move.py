# The moved models keep their content types, so operators keep the permissions they were given
# (auctions.change_auctionpayment becomes fees.change_auctionpayment) and the admin's history
# keeps pointing at the same rows. On a fresh database there is nothing to move.

from django.db import migrations

MOVES = [
    # (old app, old model) → (new app, new model)
    (("auctions", "auctionpayment"), ("fees", "auctionpayment")),
    (("auctions", "paymentevent"), ("fees", "paymentevent")),
    (("auctions", "clicktransaction"), ("fees", "paymentattempt")),
    (("auctions", "clickinvoice"), ("fees_click", "clickinvoice")),
]


def content_types_move(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for (old_app, old_model), (new_app, new_model) in MOVES:
        old = ContentType.objects.filter(app_label=old_app, model=old_model).first()
        if old is None or ContentType.objects.filter(app_label=new_app, model=new_model).exists():
            continue
        old.app_label, old.model = new_app, new_model
        old.save(update_fields=["app_label", "model"])
        for permission in Permission.objects.filter(content_type=old):
            action = permission.codename.split("_", 1)[0]
            permission.codename = f"{action}_{new_model}"
            permission.save(update_fields=["codename"])


class Migration(migrations.Migration):
    dependencies = [
        ("fees", "0003_labels"),
        ("fees_click", "0003_labels"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(content_types_move, migrations.RunPython.noop)]
