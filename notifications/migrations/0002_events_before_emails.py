"""Events written before emails existed are not emailed now: an upgrade must not send a day of
old news at once."""

from django.db import migrations

MARK_PAST_EVENTS = """
INSERT INTO notifications_handledevent (event_id, handled_at)
SELECT id, CURRENT_TIMESTAMP FROM webhooks_event
"""


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("webhooks", "0006_subscription_failure_streak"),
    ]

    operations = [migrations.RunSQL(MARK_PAST_EVENTS, migrations.RunSQL.noop)]
