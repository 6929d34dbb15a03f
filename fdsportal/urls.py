from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fdsportal import views
from fdsportal.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("alerts/", include("alerts.urls")),
    path("cases/", include("cases.urls")),
    path("customers/", include("customers.urls")),
    path("smishing/", include("smishing.urls")),
    path("audit/", include("audit.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
