"""The `cal-api-version` each resource speaks (Cal.com's current versions)."""

HEADER = "cal-api-version"
BOOKINGS = "2024-08-13"
SLOTS = "2024-09-04"
EVENT_TYPES = "2024-06-14"
SCHEDULES = "2024-06-11"
