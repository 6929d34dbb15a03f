from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Who may call the portal: service tokens and the API's authentication."""

    name = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from access import language  # noqa: F401  (connects the login receiver)
