"""The rules that used to be code become version 1 of the rule set, live, with the same behaviour.

Tuned settings in RuleConfig rows (enabled, weight, thresholds) carry over. The smishing rule changes
on purpose: one unreviewed report no longer floors a transfer; an analyst's confirmation, or reports
from several independent employees, or a watch-list entry promoted from a confirmed report, does.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from detection.seed import builtin_rules_install

    config = {c.code: c for c in apps.get_model("alerts", "RuleConfig").objects.all()}
    tuned = {code: (row.enabled, row.weight, row.params or {}) for code, row in config.items()}
    builtin_rules_install(
        version_model=apps.get_model("detection", "RuleSetVersion"),
        rule_model=apps.get_model("detection", "Rule"),
        list_model=apps.get_model("detection", "WatchList"),
        tuned=tuned,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("detection", "0001_initial"),
        ("alerts", "0004_score_rule_set_version"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
