"""Every websocket route of the product, gathered from the apps."""

from alerts.routing import websocket_urlpatterns as alert_routes
from cases.routing import websocket_urlpatterns as case_routes
from smishing.routing import websocket_urlpatterns as smishing_routes

websocket_urlpatterns = [*alert_routes, *case_routes, *smishing_routes]
