from django.apps import AppConfig


class FdsportalConfig(AppConfig):
    name = "fdsportal"
    verbose_name = "FDS portal"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from django.urls import register_converter

        from fdsportal.converters import DatabaseIdConverter
        from fdsportal.roles import roles_sync

        post_migrate.connect(roles_sync, dispatch_uid="fdsportal.roles_sync")
        # Before any URLconf or websocket route is loaded: they use <id:...> for database ids.
        register_converter(DatabaseIdConverter, "id")
