from django.urls import path

from detection import views

app_name = "detection"
urlpatterns = [
    path("", views.rules_page, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("versions/<int:number>/", views.version_page, name="version"),
    path("versions/<int:number>/rollback/", views.rollback, name="rollback"),
    path("backtests/", views.backtest_start, name="backtest_start"),
    path("backtests/<int:backtest_id>/", views.backtest_page, name="backtest"),
    path("backtests/<int:backtest_id>/status/", views.backtest_status, name="backtest_status"),
    path("publish/", views.publish, name="publish"),
    path("changes/", views.changes_page, name="changes"),
    path("changes/<int:change_id>/", views.change_page, name="change"),
    path("changes/<int:change_id>/approve/", views.change_approve, name="change_approve"),
    path("changes/<int:change_id>/reject/", views.change_reject, name="change_reject"),
    path("lists/", views.lists_page, name="lists"),
    path("lists/<int:list_id>/", views.list_page, name="list"),
    path("lists/<int:list_id>/add/", views.list_add, name="list_add"),
    path("lists/<int:list_id>/upload/", views.list_upload, name="list_upload"),
    path("lists/entries/<int:entry_id>/remove/", views.list_entry_remove, name="list_entry_remove"),
    path("threshold/", views.threshold_page, name="threshold"),
    path("threshold/request/", views.threshold_request, name="threshold_request"),
    path("snoozes/", views.snoozes_page, name="snoozes"),
    path("snoozes/<int:snooze_id>/lift/", views.snooze_lift, name="snooze_lift"),
    path("alerts/<int:alert_id>/snooze/", views.snooze_create, name="snooze_create"),
    path("smishing/<int:submission_id>/promote/", views.indicators_promote, name="promote"),
    path("shadow/", views.shadow_page, name="shadow"),
    path("shadow/start/", views.shadow_start, name="shadow_start"),
    path("shadow/<int:run_id>/", views.shadow_run_page, name="shadow_run"),
    path("shadow/<int:run_id>/stop/", views.shadow_stop, name="shadow_stop"),
]
