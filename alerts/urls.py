from django.urls import path

from alerts import views, views_models

app_name = "alerts"
urlpatterns = [
    path("", views.alert_queue_page, name="queue"),
    path("<id:alert_id>/", views.alert_detail_page, name="detail"),
    path("transactions/", views.transaction_search_page, name="transactions"),
    path("models/", views_models.model_registry_page, name="models"),
    path("models/<int:pk>/", views_models.model_detail_page, name="model_detail"),
    path("models/rollback/", views_models.model_rollback, name="model_rollback"),
    path("models/drift/", views_models.drift_page, name="drift"),
    path("models/retrain/", views_models.retraining_start, name="retraining_start"),
    path("models/retrain/<int:pk>/", views_models.retraining_page, name="retraining"),
    path("models/retrain/<int:pk>/status/", views_models.retraining_status, name="retraining_status"),
    path("models/retrain/<int:pk>/promote/", views_models.retraining_promote, name="retraining_promote"),
    path("models/retrain/<int:pk>/discard/", views_models.retraining_discard, name="retraining_discard"),
]
