from rest_framework.routers import SimpleRouter


class ApiRouter(SimpleRouter):
    """Cal.com's paths: no trailing slash; Django path converters in lookups and action paths
    (e.g. `reassign/<int:userId>`)."""

    def __init__(self):
        super().__init__(trailing_slash=False, use_regex_path=False)
