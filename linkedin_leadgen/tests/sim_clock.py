# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A simulated clock for the ``linkedin_clock`` context key: waits and back-offs pass without real waiting."""

import calendar
from datetime import datetime, timezone


class SimClock:
    """``monotonic()``, ``sleep()`` and ``time()`` of the connector's :class:`Clock`, on simulated time."""

    def __init__(self, start):
        self.start = self.now = float(start)
        self.slept = 0.0

    @classmethod
    def at(cls, when):
        """A clock starting at the naive UTC datetime ``when``."""
        return cls(calendar.timegm(when.utctimetuple()))

    def monotonic(self):
        return self.now - self.start

    def sleep(self, seconds):
        self.slept += max(0.0, seconds)
        self.advance(seconds)

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += max(0.0, seconds)

    def datetime(self):
        """The time as Odoo stores it: a naive UTC datetime."""
        return datetime.fromtimestamp(self.now, timezone.utc).replace(tzinfo=None)

    def elapsed_minutes(self):
        return (self.now - self.start) / 60
