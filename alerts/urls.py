from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_queue_page, name="queue"),
    path("<int:alert_id>/", views.alert_detail_page, name="detail"),
    path("transactions/", views.transaction_search_page, name="transactions"),
]
