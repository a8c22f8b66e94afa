from django.apps import AppConfig


class EventTypesConfig(AppConfig):
    name = "eventtypes"
    verbose_name = "Event types and availability"
