from portability import export_urls, import_urls

app_name = "portability"

urlpatterns: list = [*export_urls.urlpatterns, *import_urls.urlpatterns]
