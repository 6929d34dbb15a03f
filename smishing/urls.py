from django.urls import path

from smishing import views

app_name = "smishing"
urlpatterns = [
    path("", views.submit, name="submit"),
    path("mine/", views.my_submissions, name="mine"),
    path("submissions/<id:pk>/", views.detail, name="detail"),
    path("submissions/<id:pk>/label/", views.label, name="label"),
    path("submissions/<id:pk>/reason-feedback/", views.reason_feedback, name="reason_feedback"),
    path("review/", views.review, name="review"),
    path("queue/", views.queue, name="queue"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<id:pk>/", views.campaign_detail, name="campaign_detail"),
    path("models/", views.models, name="models"),
    path("models/<id:pk>/activate/", views.model_activate, name="model_activate"),
    path("retrain/", views.retrain_start, name="retrain_start"),
    path("retrain/<id:pk>/", views.retrain_job, name="retrain_job"),
    path("retrain/<id:pk>/approve/", views.retrain_approve, name="retrain_approve"),
    path("training-sets/", views.training_set_create, name="training_set_create"),
    path("training-sets/<id:pk>/export.csv", views.training_set_export, name="training_set_export"),
]
