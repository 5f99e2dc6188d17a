from django.db import migrations, models
from django.db.models import F, Q


def confirm_proven_numbers(apps, schema_editor):
    """Accounts made by an SMS code (no usable password) proved their number; so did staff accounts,
    made by the operator. Accounts made by the old password-only sign-up stay unconfirmed: they may sign
    in, but must confirm the number before they publish, bid or pay."""
    User = apps.get_model("accounts", "User")
    User.objects.filter(Q(password__startswith="!") | Q(is_staff=True) | Q(is_superuser=True)).update(
        phone_verified_at=F("date_joined")
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_language")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_verified_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="номер подтверждён"),
        ),
        migrations.RunPython(confirm_proven_numbers, migrations.RunPython.noop),
    ]
