"""What the API's serializers share."""

from rest_framework import serializers


class PatchableSerializer(serializers.Serializer):
    """patch=True: every top-level field becomes optional. Nested objects keep their required
    fields and defaults, which DRF's partial=True would drop at every depth."""

    def __init__(self, *args, patch: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if patch:
            for field in self.fields.values():
                field.required = False
