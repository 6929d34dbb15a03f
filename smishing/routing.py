from django.urls import path

from smishing import consumers

websocket_urlpatterns = [
    path("ws/smishing/submissions/", consumers.SubmitterFeedConsumer.as_asgi()),
    path("ws/smishing/submissions/<id:submission_id>/", consumers.SubmissionConsumer.as_asgi()),
    path("ws/smishing/retrain/<id:job_id>/", consumers.RetrainJobConsumer.as_asgi()),
]
