from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set (``manage.py seed_demo``): no models, only the command.

    An app of the project layer, above every domain app, because it seeds all of them.
    """

    name = "crous_admin.demo"
    label = "demo"
