from django.db import migrations, models
from django.db.models.functions import Now


def mark_past_events_dispatched(apps, schema_editor):
    # Events written before subscriptions existed have nobody to go to.
    Event = apps.get_model("webhooks", "Event")
    Event.objects.filter(dispatched_at__isnull=True).update(dispatched_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0003_event_booking_uid"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="event", name="webhooks_ev_deliver_34814c_idx"),
        migrations.RenameField(model_name="event", old_name="delivered_at", new_name="dispatched_at"),
        migrations.AlterField(
            model_name="event",
            name="dispatched_at",
            field=models.DateTimeField(
                blank=True, help_text="When one delivery per subscriber was set up", null=True
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["dispatched_at", "id"], name="webhooks_ev_dispatc_4dfc3a_idx"),
        ),
        migrations.RunPython(mark_past_events_dispatched, migrations.RunPython.noop),
    ]
