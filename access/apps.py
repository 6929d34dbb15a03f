from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Who may call the portal: service tokens and the API's authentication."""

    name = "access"
    verbose_name = "Access"
