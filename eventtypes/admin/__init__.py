"""Availability and event types in the admin.

A superuser sees everything. Any other staff user (a host) sees their own schedules and the
event types they manage (EventType.objects.managed_by), and can only pick their own rows in
forms. Both save through eventtypes/services.py, so the admin refuses what the API refuses, with
the message in the form.
"""

from eventtypes.admin import event_types, schedules

__all__ = ["event_types", "schedules"]
