from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export, name="export"),
    path("object/<str:target_type>/<str:target_id>/", views.object_timeline, name="object_timeline"),
]
