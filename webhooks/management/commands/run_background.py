"""The embedded setup's background work: the periodic tasks of CELERY_BEAT_SCHEDULE run here, in
this one process, at their intervals, with every task they queue run in-process too.

`make run` starts it beside the web server when there is no Redis: webhooks are dispatched and
delivered by the sweep within a second or two and retried on schedule, by the same code a Celery
worker and beat run in production.
"""

import logging
import signal
import time

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

logger = logging.getLogger("webhooks")


class Command(BaseCommand):
    help = (
        "Runs the periodic tasks in this process (the embedded setup, without Redis). "
        "With REDIS_URL set, run a Celery worker and beat instead (make worker, make beat)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run each task once and stop.")

    def handle(self, *args, once=False, **options):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("REDIS_URL is set: run `make worker` and `make beat` instead.")
        current_app.loader.import_default_modules()
        schedule = [
            (entry["task"], float(entry["schedule"]))
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
        ]
        names = ", ".join(f"{task} every {seconds:g} s" for task, seconds in schedule)
        self.stdout.write(f"Background tasks in this process: {names}")
        self.stopping = False
        signal.signal(signal.SIGTERM, self.stop)
        due = {task: 0.0 for task, _ in schedule}
        try:
            while not self.stopping:
                for task, seconds in schedule:
                    if time.monotonic() >= due[task]:
                        self.run(task)
                        due[task] = time.monotonic() + seconds
                if once:
                    return
                time.sleep(max(0.05, min(due.values()) - time.monotonic()))
        except KeyboardInterrupt:
            pass

    def run(self, task: str) -> None:
        close_old_connections()
        try:
            current_app.tasks[task]()
        except Exception:  # one failed run must not end the loop; the next run retries
            logger.exception("Background task %s failed", task)

    def stop(self, *args):
        self.stopping = True
