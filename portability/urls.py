from portability import export_urls

app_name = "portability"

urlpatterns: list = [*export_urls.urlpatterns]
