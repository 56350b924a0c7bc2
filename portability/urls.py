from portability import import_urls

app_name = "portability"

urlpatterns: list = [*import_urls.urlpatterns]
