"""Time as the connector reads it: epoch conversions and a clock that tests can hand in.

LinkedIn speaks epoch milliseconds (lead timestamps) and epoch seconds (token expiries); Odoo stores
naive UTC datetimes. A :class:`Clock` carries ``monotonic()`` (time budgets), ``sleep()`` (waits) and
``time()`` (epoch seconds), so that code taking one can be run on a fake clock instead of patched.
"""

import time
from datetime import datetime, timezone

_EPOCH = datetime(1970, 1, 1)
# Lead timestamps below this are seconds, not milliseconds (some integrators send seconds): 2001-09-09.
_MS_THRESHOLD = 10**12


class Clock:
    """The system's clock."""

    def monotonic(self):
        return time.monotonic()

    def sleep(self, seconds):
        time.sleep(seconds)

    def time(self):
        return time.time()


SYSTEM_CLOCK = Clock()


def ms_to_datetime(value):
    """Epoch milliseconds (or seconds, for small values) to a naive UTC datetime; False when empty or when
    ``value`` gives no date (not a number, negative, beyond year 9999): never an exception."""
    if not value or isinstance(value, bool):
        return False
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()):
            return False
    try:
        value = int(value)
        if value < 0:
            return False
        if value < _MS_THRESHOLD:
            value *= 1000
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return False


def datetime_to_ms(value):
    """A naive UTC datetime to epoch milliseconds."""
    return int((value - _EPOCH).total_seconds() * 1000)


def epoch_to_datetime(seconds):
    """Epoch seconds to a naive UTC datetime; False when empty."""
    return datetime.fromtimestamp(int(seconds), timezone.utc).replace(tzinfo=None) if seconds else False


def datetime_to_epoch(value):
    """A naive UTC datetime to epoch seconds; None when empty."""
    return int((value - _EPOCH).total_seconds()) if value else None
