"""Queuing tasks from web requests without ever waiting on the broker.

A request hands the task to a thread of its own process, which publishes it. Whether the broker
answers at once, refuses, or hangs, the request has already answered; what could not be
published is caught up by the periodic sweep (an undispatched outbox event, a delivery whose
lease ran out). At most MAX_WAITING tasks wait in a process; beyond that they are left to the
sweep as well.
"""

import logging
import os
import queue
import threading

logger = logging.getLogger("webhooks")

MAX_WAITING = 10_000


class Publisher:
    def __init__(self):
        self.lock = threading.Lock()
        self.pid = None
        self.waiting: queue.Queue = queue.Queue(maxsize=MAX_WAITING)

    def submit(self, task, *args) -> None:
        self.start()
        try:
            self.waiting.put_nowait((task, args))
        except queue.Full:
            logger.warning("%s%s not queued (too many waiting); the sweep will", task.name, args)

    def start(self) -> None:
        """One publishing thread per process (a forked web worker starts its own)."""
        if self.pid == os.getpid():
            return
        with self.lock:
            if self.pid != os.getpid():
                self.waiting = queue.Queue(maxsize=MAX_WAITING)
                thread = threading.Thread(target=self.run, name="task-publisher", daemon=True)
                thread.start()
                self.pid = os.getpid()

    def run(self) -> None:
        while True:
            task, args = self.waiting.get()
            try:
                task.apply_async(args, retry=False)
            except Exception:  # any failure to publish (kombu and redis raise several kinds)
                logger.warning(
                    "%s%s not queued (broker unavailable); the sweep will", task.name, args
                )
            finally:
                self.waiting.task_done()

    def wait_until_published(self, timeout: float = 10.0) -> bool:
        """For tests and shutdown: True once every submitted task has been handed over."""
        done = threading.Event()

        def join():
            self.waiting.join()
            done.set()

        threading.Thread(target=join, daemon=True).start()
        return done.wait(timeout)


publisher = Publisher()
