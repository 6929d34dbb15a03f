from django.urls import path

from customers import views

app_name = "customers"
urlpatterns = [
    path("<int:customer_id>/", views.customer_page, name="detail"),
]
