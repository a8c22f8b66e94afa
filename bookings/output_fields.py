"""How serializers of the hot paths make and use their fields for less than DRF's way costs.

DRF gives each serializer instance deep copies of its declared fields, each bound to it, and
renders an object by asking each bound field for its value: for a booking, its webhook payload
and its answer, about 140 fields made per create, most of the cost of writing them.
"""

import copy
from functools import cache

from rest_framework import serializers
from rest_framework.fields import SkipField, _UnvalidatedField, empty, get_attribute

from accounts.timezones import iso_utc


class CopiedFields:
    """A serializer whose fields are shallow copies of the declared ones.

    A field is never changed once made, except by being bound to its serializer, which sets
    attributes of the copy's own; so a copy of its attributes is as good as DRF's deep copy.
    Nested serializers, fields made of other fields (a list's child, given or made in
    __init__), which get bound themselves, and fields whose default is a list, dict or set,
    which validated data would share, are copied as DRF does."""

    def get_fields(self):
        return {name: self.made_field(name, field) for name, field in self._declared_fields.items()}

    def made_field(self, name: str, declared):
        """This serializer's field `name`, from its declaration (a hook for changing it)."""
        return copy_of(declared)


def copy_of(field):
    nested = isinstance(field, serializers.BaseSerializer) or any(
        isinstance(value, serializers.Field)
        for value in (*field._args, *field._kwargs.values(), *vars(field).values())
    )
    if nested or isinstance(field.default, list | dict | set):
        return copy.deepcopy(field)
    copied = field.__class__.__new__(field.__class__)
    copied.__dict__.update(field.__dict__)
    return copied


class Instant(serializers.DateTimeField):
    """An instant in UTC with milliseconds, e.g. 2027-01-05T09:00:00.000Z."""

    def to_representation(self, value):
        return iso_utc(value)


# --- Rendering by plan ---------------------------------------------------------------------------

# Fields whose value depends on the attribute alone (not on the serializer, its context or a
# subclass's code): these exact types, and lists and dicts of them. Such a field renders as
# its declaration does, unbound and unchanged, for every instance.
PLAIN_TYPES = frozenset(
    {
        serializers.BooleanField,
        serializers.CharField,
        serializers.ChoiceField,
        serializers.EmailField,
        serializers.FloatField,
        serializers.IntegerField,
        serializers.URLField,
        serializers.UUIDField,
        _UnvalidatedField,
        Instant,
    }
)
PLAIN, METHOD, BOUND = "plain", "method", "bound"


def is_plain(field) -> bool:
    if field.default is not empty:
        return False
    if type(field) in (serializers.ListField, serializers.DictField):
        return is_plain(field.child)
    return type(field) in PLAIN_TYPES


@cache
def plan_of(serializer_class) -> tuple:
    """How each readable field of the class is rendered: (name, PLAIN with its source's
    attributes | METHOD with the serializer's method name | BOUND: by a copy bound to the
    serializer, as DRF does; the field as the class's get_fields makes it, unbound)."""
    plan = []
    for name, field in serializer_class().get_fields().items():
        if field.write_only:
            continue
        if type(field) is serializers.SerializerMethodField:
            plan.append((name, METHOD, field.method_name or f"get_{name}", field))
        elif is_plain(field):
            source = field.source or name
            attributes = [] if source == "*" else source.split(".")
            plan.append((name, PLAIN, attributes, field))
        else:
            plan.append((name, BOUND, None, field))
    return tuple(plan)


def plain_attribute(instance, attributes, field):
    """What Field.get_attribute gives for a declared field without a default."""
    try:
        return get_attribute(instance, attributes)
    except (KeyError, AttributeError):
        if field.allow_null:
            return None
        if not field.required:
            raise SkipField() from None
        raise
