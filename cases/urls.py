from django.urls import path

from cases import views, views_ops

app_name = "cases"
urlpatterns = [
    # Operations dashboard (aggregate charts); the case and refund pages are added alongside.
    path("ops/", views_ops.ops_dashboard, name="ops"),
    path("", views.case_list, name="list"),
    path("<id:case_id>/", views.case_detail, name="detail"),
    path("<id:case_id>/start/", views.case_start, name="start"),
    path("<id:case_id>/decide/", views.case_decide, name="decide"),
    path("<id:case_id>/close/", views.case_close, name="close"),
    path("<id:case_id>/reopen/", views.case_reopen, name="reopen"),
    path("<id:case_id>/notes/", views.case_note_add, name="note_add"),
    path("<id:case_id>/contacts/", views.case_contact_add, name="contact_add"),
    path("<id:case_id>/evidence/", views.case_evidence_add, name="evidence_add"),
    path("<id:case_id>/refunds/", views.refund_request, name="refund_request"),
    path("evidence/<id:evidence_id>/download/", views.evidence_download, name="evidence_download"),
    path("refunds/", views.refund_list, name="refunds"),
    path("refunds/<id:refund_id>/approve/", views.refund_approve, name="refund_approve"),
    path("refunds/<id:refund_id>/reject/", views.refund_reject, name="refund_reject"),
    path("qa/", views.qa_queue, name="qa"),
    path("qa/<id:review_id>/", views.qa_review, name="qa_review"),
    path("triage/<id:alert_id>/", views.alert_triage, name="alert_triage"),
    path("triage/bulk/", views.alerts_bulk_triage, name="alerts_bulk"),
]
