app_name = "portability"

urlpatterns: list = []
