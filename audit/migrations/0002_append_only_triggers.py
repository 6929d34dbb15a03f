from django.db import migrations


def install(apps, schema_editor):
    from audit.db import append_only_triggers_install

    append_only_triggers_install(schema_editor.connection)


def drop(apps, schema_editor):
    from audit.db import append_only_triggers_drop

    append_only_triggers_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, drop)]
