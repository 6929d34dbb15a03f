from django.urls import path

from alerts.consumers import AlertFeedConsumer, RetrainingConsumer

websocket_urlpatterns = [
    path("ws/alerts/", AlertFeedConsumer.as_asgi()),
    path("ws/alerts/models/retrain/<int:retraining_id>/", RetrainingConsumer.as_asgi()),
]
