# The ApiToken model moved to the `access` app; its table stays as it is (state-only change).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("fdsportal", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")],
            database_operations=[],
        ),
    ]
