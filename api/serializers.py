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


class OldestVersionInput(serializers.Serializer):
    """A body of Cal.com's 2024-04-15 shapes, served when the version header is missing: a field
    it does not know is refused (not dropped), so that a client that meant a current version,
    and left the header off, learns it instead of seeing its change ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            "Not a field of cal-api-version 2024-04-15, which is served without "
                            "the header; send the cal-api-version header of the current version."
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)
