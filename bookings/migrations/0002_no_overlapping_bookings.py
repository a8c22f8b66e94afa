"""No two blocking bookings of one host may overlap (PostgreSQL only).

SQLite has no exclusion constraints; there booking writes run in IMMEDIATE transactions with
the availability check inside them (see config/settings.py).
"""

from django.db import migrations

CONSTRAINT = "booking_host_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("bookings", "BookingHost")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(user_id WITH =, tstzrange(blocked_start, blocked_end, '[)') WITH &&) "
        "WHERE (is_blocking)"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("bookings", "BookingHost")._meta.db_table
    schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
