from django.apps import AppConfig


class RelyfeConfig(AppConfig):
    """The project package as an app: what every feature app relies on, installed at start-up."""

    name = "relyfe"

    def ready(self):
        from relyfe import search

        search.install()
