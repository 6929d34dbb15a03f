from django.apps import AppConfig


class DetectionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "detection"
    verbose_name = "Detection rules, lists and thresholds"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from alerts.rule_hooks import rules_loader_register
        from detection.scoring import rules_batch_load
        from detection.seed import builtin_rules_ensure

        rules_loader_register(rules_batch_load)

        post_migrate.connect(builtin_rules_ensure, sender=self, dispatch_uid="detection.builtin_rules_ensure")
