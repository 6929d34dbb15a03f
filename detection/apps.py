from django.apps import AppConfig


class DetectionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "detection"
    verbose_name = "Detection rules, lists and thresholds"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from detection.seed import builtin_rules_ensure

        post_migrate.connect(builtin_rules_ensure, sender=self, dispatch_uid="detection.builtin_rules_ensure")
