"""Matched Audiences streaming (API notes, section 8.5): the elements of ``dmpSegments/users``, the reading of
LinkedIn's per-element answers, and the pacing of the calls under LinkedIn's per-member limit.

Plain Python like the rest of this package: the addon's models decide what to send and record the answers.
"""

import threading
from collections import defaultdict, deque
from dataclasses import dataclass

from .times import SYSTEM_CLOCK

ADD = "ADD"
REMOVE = "REMOVE"
SHA256_EMAIL = "SHA256_EMAIL"
NAME_MAX_LENGTH = 35  # firstName, lastName
COMPANY_MAX_LENGTH = 50


def split_full_name(full_name):
    """``(first name, last name)`` of a full name: the first word, and the rest (``""`` when absent)."""
    first_name, _sep, last_name = (full_name or "").strip().partition(" ")
    return first_name, last_name.strip()


def _clean(value, max_length):
    value = value.strip() if value else ""
    return value[:max_length] if value else None


def build_element(action, email_hash, first_name=None, last_name=None, company=None, country=None):
    """One element of a ``dmpSegments/users`` BATCH_CREATE: the SHA-256 of an e-mail address to ``action``
    (:data:`ADD` or :data:`REMOVE`), with the contact's details when given.

    The details go with an ADD only (a REMOVE needs the id alone); they are stripped and cut to LinkedIn's
    lengths, empty ones left out; ``country`` is an ISO 3166-1 alpha-2 code.
    """
    element = {"action": action, "userIds": [{"idType": SHA256_EMAIL, "idValue": email_hash}]}
    if action != ADD:
        return element
    for key, value, max_length in (
        ("firstName", first_name, NAME_MAX_LENGTH),
        ("lastName", last_name, NAME_MAX_LENGTH),
        ("company", company, COMPANY_MAX_LENGTH),
    ):
        value = _clean(value, max_length)
        if value:
            element[key] = value
    if country and country.strip():
        element["country"] = country.strip().upper()
    return element


@dataclass(frozen=True)
class ElementRefusal:
    """An element LinkedIn did not accept: its ``index`` in the batch, whether LinkedIn ``answered`` for it
    at all, the ``status`` (HTTP code) and the ``message`` of its answer."""

    index: int
    answered: bool
    status: object = None
    message: str = ""


@dataclass(frozen=True)
class BatchResults:
    """LinkedIn's answer to a batch: indexes of the ``accepted`` elements, :class:`ElementRefusal` of the others."""

    accepted: list
    refused: list


def read_results(results, count):
    """Read the per-element ``results`` LinkedIn returned (in request order) for a batch of ``count`` elements.

    A 2xx ``status`` is accepted; anything else (a 4xx with its error since version 202502, or no answer
    at all for an element) is refused.
    """
    accepted, refused = [], []
    if not isinstance(results, list):  # an answer of another shape answers no element
        results = []
    for index in range(count):
        result = results[index] if index < len(results) else None
        if not isinstance(result, dict):
            refused.append(ElementRefusal(index, answered=False))
            continue
        status = result.get("status")
        if isinstance(status, int) and 200 <= status < 300:
            accepted.append(index)
            continue
        error = result.get("error") or {}
        message = (error.get("message") if isinstance(error, dict) else error) or result.get("message") or ""
        refused.append(ElementRefusal(index, True, status, message if isinstance(message, str) else str(message)))
    return BatchResults(accepted, refused)


class PacingDeadlineExceeded(Exception):
    """Waiting for a free request slot would end after the caller's deadline; ``wait``: the seconds needed."""

    def __init__(self, wait):
        super().__init__(f"the next request slot is {wait:.1f} s away, after the deadline")
        self.wait = wait


class RequestPacer:
    """At most ``limit`` requests in any ``window`` seconds per key (sliding window), shared by threads.

    The times are read on the :class:`~.times.Clock` given to :meth:`acquire` (its ``monotonic()``), and the
    waits are done with its ``sleep()``, so that tests hand in a fake clock instead of waiting.
    """

    def __init__(self, window=60.0):
        self.window = window
        self._sent = defaultdict(deque)  # key -> monotonic times of the requests of the last window
        self._lock = threading.Lock()

    def acquire(self, key, limit, clock=SYSTEM_CLOCK, deadline=None):
        """Take a slot for one request under ``key``, waiting until the window has one free.

        ``deadline`` (in ``clock.monotonic()`` seconds): when the wait would end after it, raise
        :class:`PacingDeadlineExceeded` at once, without waiting or taking a slot.
        """
        limit = max(1, int(limit))
        while True:
            with self._lock:
                sent = self._sent[key]
                now = clock.monotonic()
                while sent and sent[0] <= now - self.window:
                    sent.popleft()
                if len(sent) < limit:
                    sent.append(now)
                    return
                wait = sent[-limit] + self.window - now
            if deadline is not None and now + wait > deadline:
                raise PacingDeadlineExceeded(wait)
            clock.sleep(wait)

    def clear(self, key=None):
        """Forget the requests of ``key``, or of every key."""
        with self._lock:
            if key is None:
                self._sent.clear()
            else:
                self._sent.pop(key, None)


#: The pacer of the DMP streaming calls (``dmpSegments/users``) in this process, keyed by the caller
#: (the Odoo addon uses ``(database, profile id)``). A module-level registry because Odoo's worker and
#: cron threads of one process must share it; LinkedIn counts a member's calls over every process, so
#: callers stay under the limit with a margin.
DMP_PACER = RequestPacer()
