from django.db import migrations


class Migration(migrations.Migration):
    """The rules' settings now live in detection rule sets (seeded from these rows first)."""

    dependencies = [
        ("alerts", "0004_score_rule_set_version"),
        ("detection", "0002_seed_builtin_rules"),
    ]

    operations = [
        migrations.DeleteModel(name="RuleConfig"),
    ]
