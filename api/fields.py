"""Request field types shared by the API's serializers."""

from datetime import UTC, datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.timezones import is_valid_time_zone

# The languages Cal.com accepts for an attendee.
LANGUAGES = [
    "ar",
    "ca",
    "de",
    "es",
    "eu",
    "he",
    "id",
    "ja",
    "lv",
    "pl",
    "ro",
    "sr",
    "th",
    "vi",
    "az",
    "cs",
    "el",
    "es-419",
    "fi",
    "hr",
    "it",
    "km",
    "nl",
    "pt",
    "ru",
    "sv",
    "tr",
    "zh-CN",
    "bg",
    "da",
    "en",
    "et",
    "fr",
    "hu",
    "iw",
    "ko",
    "no",
    "pt-BR",
    "sk",
    "ta",
    "uk",
    "zh-TW",
    "bn",
]

# Dates far outside these years are refused: the slot engine works days around a range, and
# near datetime's limits that arithmetic would overflow.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


@extend_schema_field(OpenApiTypes.DATETIME)
class UtcDateTimeField(serializers.Field):
    """An ISO 8601 instant in UTC, e.g. 2027-01-05T09:00:00Z (Cal.com requires UTC)."""

    default_error_messages = {
        "invalid": "Give an ISO 8601 date-time in UTC such as 2027-01-05T09:00:00Z.",
        "not_utc": "Must be in UTC (end with Z or +00:00); got offset {offset}.",
        "naive": "Must name its time zone: end with Z for UTC.",
        "out_of_range": f"Must fall between the years {EARLIEST_YEAR} and {LATEST_YEAR}.",
    }

    def parse(self, data) -> datetime:
        """An aware datetime, as given (not yet in UTC)."""
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            moment = datetime.fromisoformat(data.strip())
        except ValueError:
            self.fail("invalid")
        if moment.tzinfo is None:
            self.fail("naive")
        return moment

    def check_year(self, moment: datetime) -> datetime:
        # Checked before converting: year 1 or 9999 with an offset could overflow.
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            self.fail("out_of_range")
        return moment

    def to_internal_value(self, data):
        moment = self.parse(data)
        if moment.utcoffset():
            self.fail("not_utc", offset=moment.strftime("%z"))
        return self.check_year(moment).astimezone(UTC)


@extend_schema_field(OpenApiTypes.STR)
class LenientDateTimeField(UtcDateTimeField):
    """A date (start of that day, UTC; with end_of_day 23:59:59) or an ISO 8601 date-time with
    any offset."""

    default_error_messages = {
        "invalid": "Give a date (2027-01-05) or an ISO 8601 date-time (2027-01-05T09:00:00Z).",
        "naive": "A date-time must name its offset, e.g. 2027-01-05T09:00:00Z.",
    }

    def __init__(self, *, end_of_day=False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data.strip()) == 10:
            try:
                day = datetime.fromisoformat(data.strip()).replace(tzinfo=UTC)
            except ValueError:
                self.fail("invalid")
            if self.end_of_day:
                day = day.replace(hour=23, minute=59, second=59)
            return self.check_year(day)
        return self.check_year(self.parse(data)).astimezone(UTC)


class TimeZoneField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not is_valid_time_zone(value):
            raise serializers.ValidationError(
                f"'{value}' is not an IANA time zone such as 'Europe/Berlin'."
            )
        return value


class PhoneNumberField(serializers.RegexField):
    """A phone number in E.164 form, e.g. +14155550123; may be blank."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(
            r"^\+[1-9][0-9]{6,14}$",
            error_messages={"invalid": "Must be a phone number in E.164 form, e.g. +14155550123."},
            **kwargs,
        )


class TextField(serializers.CharField):
    """A JSON string; numbers and booleans are refused rather than turned into text."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false only (JSON booleans), not "yes" or 1."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError("Must be true or false.")
        return data


# The largest id or count a request may name: what every database column here can hold.
MAX_INTEGER = 2**31 - 1


class BoundedIntegerField(serializers.IntegerField):
    """An integer no larger than the database's columns (MAX_INTEGER unless said)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", MAX_INTEGER)
        super().__init__(**kwargs)


class StrictIntegerField(BoundedIntegerField):
    """A JSON integer; strings like "30" and booleans are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("Must be an integer.")
        return super().to_internal_value(data)


class ObjectField(serializers.DictField):
    default_error_messages = {"not_a_dict": "Must be an object."}


@extend_schema_field(OpenApiTypes.STR)
class QueryIntegerListField(serializers.CharField):
    """A comma-separated list of at most MAX_IDS integers in a query string (e.g.
    eventTypeIds=1,2)."""

    MAX_IDS = 500

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            numbers = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise serializers.ValidationError("Give integers separated by commas.") from None
        if len(numbers) > self.MAX_IDS:
            raise serializers.ValidationError(f"Give at most {self.MAX_IDS} ids.")
        if any(not 0 < number <= MAX_INTEGER for number in numbers):
            raise serializers.ValidationError(f"Give ids between 1 and {MAX_INTEGER}.")
        return numbers


def reason_field(help_text: str, max_length: int = 2000):
    return serializers.CharField(
        required=False, max_length=max_length, allow_blank=True, help_text=help_text
    )


class Fixed(serializers.Field):
    """The same value for every object, documented as `field` is: e.g. a Cal.com setting we do
    not have, at its neutral value."""

    def __init__(self, value, field: serializers.Field, **kwargs):
        self.value, self.field = value, field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        return self.value
