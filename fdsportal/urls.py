from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fdsportal import views
from fdsportal.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("try/", views.tryout_index, name="tryout_index"),
    path("try/<slug:slug>/", views.tryout, name="tryout"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/<id:attempt_id>/release/", views.lockout_release, name="lockout_release"),
    path("language/", views.language_set, name="set_language"),
    path("alerts/", include("alerts.urls")),
    path("cases/", include("cases.urls")),
    path("customers/", include("customers.urls")),
    path("smishing/", include("smishing.urls")),
    path("audit/", include("audit.urls")),
    path("detection/", include("detection.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler500 = "fdsportal.views.server_error"
