from django.db import migrations, models


def to_bytes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Keep every customer's state: jsonb has no cast to bytea, its text form does.
        schema_editor.execute(
            "ALTER TABLE alerts_customerbehaviour ALTER COLUMN state DROP DEFAULT, "
            "ALTER COLUMN state TYPE bytea USING convert_to(state::text, 'UTF8')"
        )
    else:
        model = apps.get_model("alerts", "CustomerBehaviour")
        old = models.JSONField(default=dict)
        old.set_attributes_from_name("state")
        new = models.BinaryField(default=b"{}")
        new.set_attributes_from_name("state")
        schema_editor.alter_field(model, old, new)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0002_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customerbehaviour", name="state", field=models.BinaryField(default=b"{}")
                )
            ],
            database_operations=[migrations.RunPython(to_bytes, migrations.RunPython.noop)],
        )
    ]
