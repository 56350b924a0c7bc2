from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home page and the dashboards: they show a little of every feature, so they sit above them all
    (just below demo in the layers), and nothing but the URLconf imports them."""

    name = "home"
