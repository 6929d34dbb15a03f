app_name = "smishing"
urlpatterns: list = []
