"""Every profile gets the secret of its calendar feed's address (careers.calendar).

Added nullable first, filled with a fresh token per existing profile (a callable default would give
them all the same one), then made required and unique.
"""

from django.db import migrations, models

import accounts.models


def give_calendar_tokens(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    profiles = list(Profile.objects.filter(calendar_token__isnull=True).only("pk"))
    for profile in profiles:
        profile.calendar_token = accounts.models.new_calendar_token()
    Profile.objects.bulk_update(profiles, ["calendar_token"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_for_every_user"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="calendar_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_calendar_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="profile",
            name="calendar_token",
            field=models.CharField(
                default=accounts.models.new_calendar_token, editable=False, max_length=64, unique=True
            ),
        ),
    ]
