from django.apps import AppConfig


class SmishingConfig(AppConfig):
    name = "smishing"
    verbose_name = "Smishing checks"
