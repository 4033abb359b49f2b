"""``LinkedInEmulator``: LinkedIn's OAuth and REST APIs on one loopback HTTP server, for tests and demos."""

import json
import random
import threading
import time
from collections import Counter, deque

from . import webhooks
from .base import LOOPBACK
from .data import EmulatorData
from .faults import FAULTS, UNRELIABLE, Fault, RandomFaults
from .oauth import DEFAULT_SCOPES, TokenStore
from .resources_dmp import SEGMENT_STATUSES, refresh_segment
from .server import EmulatorHTTPServer, log_entry

DEFAULT_VERSIONS = tuple(f"2026{month:02d}" for month in range(1, 12))


class LinkedInEmulator:
    """A fake LinkedIn: ``with LinkedInEmulator() as emu: ... emu.url ...``.

    Tunables (restored by ``reset()``): ``page_cap``, ``dmp_batch_cap``, ``active_versions``,
    ``segment_delay`` (seconds BUILDING/UPDATING last), ``dmp_not_found_window`` (seconds ``/users``
    answers 404 after creation), ``dmp_rate_limit`` (per member and minute), ``match_rate``; flags
    ``cancel_next_login``, ``login_member``, ``refresh_tokens``, ``refresh_error``, ``newest_first``,
    ``challenge_on_subscribe``, ``short_pages`` and ``paging_total`` (finder pages of lead responses shorter
    than asked although more follow, without ``paging.total``: API notes 1.4), ``after_page`` (a function
    of ``(start, count)`` run after each such page, e.g. to delete leads between two pages),
    ``scope_change_revokes`` (a code granted for another scope set than the member's
    previous grant revokes the member's earlier access tokens, API notes 2.2; ``issue_tokens()`` is exempt);
    ``daily_limits`` (endpoint -> calls per member and UTC day, then a day-limit
    429); ``clock_offset`` (seconds added to now); ``segment_archive_after`` (seconds a READY segment may go
    unmodified before it turns ARCHIVED; None: never).

    The request log keeps the last ``log_limit`` requests (None: all) and the bodies of the newest requests up to
    ``log_body_budget`` bytes in all; older bodies read as None (``body_dropped`` True). Counters are never
    dropped, and ``segment_users()`` always holds the whole audience.
    """

    def __init__(self, client_id="emu-client", client_secret="emu-secret", responses=50, seed=1, page_cap=100,
                 dmp_batch_cap=10000, active_versions=None, host="127.0.0.1", port=0, *, segment_delay=10.0,
                 dmp_not_found_window=5.0, dmp_rate_limit=600, match_rate=0.7, log_limit=10000,
                 log_body_budget=64 * 2**20, segment_archive_after=None, consent=False):  # fmt: skip
        if host not in LOOPBACK:
            raise ValueError(f"the emulator binds loopback addresses only, not {host!r}")
        self.client_id, self.client_secret = client_id, client_secret
        self.host, self.port = host, port
        self.seed, self.response_count = seed, responses
        self._config = {
            "page_cap": page_cap, "dmp_batch_cap": dmp_batch_cap,
            "active_versions": frozenset(active_versions or DEFAULT_VERSIONS), "segment_delay": segment_delay,
            "dmp_not_found_window": dmp_not_found_window, "dmp_rate_limit": dmp_rate_limit, "match_rate": match_rate,
            "log_limit": log_limit, "log_body_budget": log_body_budget, "segment_archive_after": segment_archive_after,
            "consent": consent,  # show LinkedIn's Allow / Cancel page (demos); else approve at once (tests)
        }  # fmt: skip
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._server = self._thread = None
        self.reset()

    # -- life cycle

    def start(self):
        self.stopping.clear()
        self._server = EmulatorHTTPServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"linkedin-emulator-{self.port}", daemon=True)  # fmt: skip
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self):
        return self.url + "/rest"

    @property
    def oauth_url(self):
        return self.url + "/oauth/v2"

    def reset(self):
        """Regenerate the data from the seed; forget tokens, faults, log and counters; restore tunables."""
        with self.lock:
            # a request still in flight (a slow fault) belongs to the state before: it is not recorded
            self.generation = getattr(self, "generation", 0) + 1
            for name, value in self._config.items():
                setattr(self, name, value)
            self.clock_offset = 0
            self.cancel_next_login = False
            self.login_member = "default"
            self.refresh_tokens = True
            self.refresh_error = "invalid_request"
            self.newest_first = True
            self.short_pages = None  # leadFormResponses pages hold at most this many elements, more may follow
            self.paging_total = True  # False: leadFormResponses pages carry no paging.total ("sometimes absent")
            self.after_page = None  # function(start, count) called after each leadFormResponses page is served
            self.challenge_on_subscribe = False
            self.scope_change_revokes = True
            self.data = EmulatorData(self.seed, self.response_count, now_ms=int(time.time() * 1000))
            self.tokens = TokenStore(self.now)
            self.dmp_calls = {}
            self.daily_limits = {}
            self.daily_calls = Counter()
            self.clear_faults()
            self._log = deque(maxlen=self.log_limit)
            self._bodies, self._body_bytes = deque(), 0
            self._calls = Counter()
            self.webhook_failures = Counter()  # subscription id -> consecutive failed challenges
            self.blocked_webhooks = set()
            self.served_instead = {}  # response id -> function(rendered element) -> what LinkedIn sends instead

    # -- time, log and counters

    def now(self):
        return time.time() + self.clock_offset

    def now_ms(self):
        return int(self.now() * 1000)

    def record(self, req, reply, endpoint):
        """Count and log one request (the caller holds the lock)."""
        self._calls[endpoint] += 1
        self._log.append(log_entry(req, reply, endpoint))
        captured = req.captured
        if captured is not None:
            self._bodies.append(captured)
            self._body_bytes += captured.size
            while self._body_bytes > self.log_body_budget and len(self._bodies) > 1:
                oldest = self._bodies.popleft()
                self._body_bytes -= oldest.size
                oldest.release()

    def requests(self, endpoint=None, bodies=True):
        """The request log, oldest first (optionally of one endpoint); ``bodies=False`` skips decoding them."""
        with self.lock:
            entries = [dict(e) for e in self._log if endpoint is None or e["endpoint"] == endpoint]
        for entry in entries:
            captured = entry["body"]
            entry["body_dropped"] = bool(captured and captured.dropped)
            entry["body"] = captured.value() if captured is not None and bodies else None
        return entries

    def calls(self, endpoint=None):
        """Requests received by an endpoint ("leadFormResponses", "dmpSegments/users", ...), or in all."""
        with self.lock:
            return self._calls[endpoint] if endpoint is not None else sum(self._calls.values())

    # -- tokens

    def issue_tokens(self, scopes=None, member="default", refresh=True):
        """A token response as ``/oauth/v2/accessToken`` would give, without the browser.

        Unlike a code exchange, it never revokes the member's other tokens (see ``scope_change_revokes``).
        """
        with self.lock:
            if member not in self.data.members:
                raise KeyError(f"unknown member {member!r}")
            return self.tokens.issue(member, list(scopes or DEFAULT_SCOPES), refresh=refresh)

    def expire_access_token(self, token):
        with self.lock:
            self.tokens.tokens[token].expires_at = self.now() - 1

    def revoke(self, token):
        with self.lock:
            self.tokens.tokens[token].revoked = True

    # -- faults

    def inject(self, endpoint, fault, times=1, **options):
        """Make the next ``times`` calls of ``endpoint`` ("*" for any) fail with ``fault`` (None: until cleared).

        Options: ``retry_after`` (seconds, a ``Retry-After`` header on "429_retry_after", "500" and "503"),
        ``delay`` (seconds, for "slow"), ``account`` (only requests naming this ad account id).
        "truncated" answers the request but cuts its answer's body and the connection halfway.
        :meth:`clear_faults` (or ``reset()``) drops the pending faults.
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {', '.join(FAULTS)}")
        with self.lock:
            self._faults.setdefault(endpoint, []).append(Fault(fault, times, options))

    def clear_faults(self, endpoint=None):
        """Forget the pending faults of ``endpoint`` ("*" for the catch-all ones), or of every endpoint."""
        with self.lock:
            if endpoint is None:
                self._faults = {}
                self._random = None
            else:
                self._faults.pop(endpoint, None)

    def random_faults(self, rate=0.3, seed=1, kinds=UNRELIABLE, **options):
        """Make a share ``rate`` of the REST requests fail from now on, dealt at random (seeded) from decks of
        20 requests so that the share holds over few requests, each with one of ``kinds`` (429 with and
        without ``Retry-After``, 5xx, slow answers, broken and truncated bodies by default); ``options`` as in
        :meth:`inject` (``retry_after``, ``delay``). ``random_faults(0)`` stops it; :meth:`fault_stats` tells
        what was injected."""
        unknown = set(kinds) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")
        with self.lock:
            self._random = RandomFaults(rate, random.Random(seed), tuple(kinds), options) if rate else None

    def fault_stats(self):
        """``{"requests": REST requests drawn for, "injected": {kind: count}}`` of the random faults."""
        with self.lock:
            random_faults = self._random
            if random_faults is None:
                return {"requests": 0, "injected": {}}
            return {"requests": random_faults.requests, "injected": dict(random_faults.injected)}

    def take_fault(self, endpoint, target=""):
        """The fault for a request to ``endpoint`` (``target``: its path and query), or None."""
        for key in (endpoint, "*"):
            queue = self._faults.get(key)
            fault = next((f for f in queue if f.applies(target)), None) if endpoint and queue else None
            if fault:
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        queue.remove(fault)
                return fault
        if self._random and endpoint and target.startswith("/rest/"):
            return self._random.draw()
        return None

    # -- leads

    def add_response(self, account_id=None, form_id=None, answers=None, test=False, submitted_at_ms=None, *,
                     version=None, consents=None, response_id=None):  # fmt: skip
        """Add a lead; ``answers`` maps a predefined field, question name or id to a value (None omits it).

        Multiple-choice values may be option ids or texts; ``consents`` maps consent ids to booleans.
        Unspecified answers come from a generated persona. Returns the rendered response.
        """
        with self.lock:
            data = self.data
            if form_id is None:
                account = data.account(account_id) if account_id else data.accounts[0]
                urn = f"urn:li:sponsoredAccount:{account['id']}"
                form = next(
                    f for f in data.forms if f["owner"]["sponsoredAccount"] == urn and f["state"] == "PUBLISHED"
                )
            else:
                form = data.form_dict(form_id)
            version = int(version or form["versionId"])
            questions = data.form_versions[(form["id"], version)]["content"]["questions"]
            overrides = {("consent", int(cid)): bool(accepted) for cid, accepted in (consents or {}).items()}
            for key, value in (answers or {}).items():
                question = _find_question(questions, key)
                overrides[question["questionId"]] = _answer_value(question, value)
            at = self.now_ms() if submitted_at_ms is None else int(submitted_at_ms)
            account_id = int(form["owner"]["sponsoredAccount"].rsplit(":", 1)[1])
            lead = data.add_lead(account_id, form["id"], test, at, overrides, response_id, version)
            return data.render_response(lead)

    def serve_instead(self, response_id, change):
        """From now on, wherever LinkedIn sends the response ``response_id`` (finder pages, single and batch
        GETs), send ``change(element)`` instead: any JSON value, e.g. malformed data (``change`` gets a copy of
        the element as rendered, projections included). The lead keeps its place in pages and time windows."""
        with self.lock:
            self.served_instead[response_id] = change

    def delete_response(self, response_id):
        """Remove a lead (as after 365 days or a member's deletion); webhooks can still name it."""
        with self.lock:
            self.data.delete_lead(response_id)

    def deliver_webhook(self, response_id, action="CREATED"):
        """POST a signed LEAD_ACTION to every matching subscription; returns ``[(url, status or None)]``."""
        with self.lock:
            lead = self.data.leads[response_id]
            response = self.data.render_response(lead)
            raw = json.dumps(webhooks.lead_action(response, action, self.now_ms())).encode()
            urls = [
                n["webhook"] for key, n in self.data.notifications.items()
                if key not in self.blocked_webhooks
                and n["owner"] == response["owner"] and n["leadType"] == response["leadType"]
                and n.get("versionedForm", response["versionedLeadGenFormUrn"]) == response["versionedLeadGenFormUrn"]
            ]  # fmt: skip
        return [(url, webhooks.post(url, raw, self.client_secret)) for url in urls]

    def challenge(self, url):
        """Send LinkedIn's ``?challengeCode=`` check to ``url``; True when it answers correctly."""
        return webhooks.challenge(url, self.client_secret)

    def revalidate_webhooks(self):
        """LinkedIn's two-hourly re-validation: challenge every subscription that is not blocked.

        Three failures in a row block a subscription (no more deliveries until ``unblock_webhook()``, the
        portal's manual re-validation). Returns ``{subscription id: "ok" | "failed" | "blocked"}``.
        """
        with self.lock:
            targets = {key: n["webhook"] for key, n in self.data.notifications.items()}
        outcome = {}
        for key, url in targets.items():
            if key in self.blocked_webhooks:
                outcome[key] = "blocked"
                continue
            passed = self.challenge(url)
            with self.lock:
                if passed:
                    self.webhook_failures.pop(key, None)
                    outcome[key] = "ok"
                    continue
                self.webhook_failures[key] += 1
                if self.webhook_failures[key] >= webhooks.FAILURES_BEFORE_BLOCK:
                    self.blocked_webhooks.add(key)
                    outcome[key] = "blocked"
                else:
                    outcome[key] = "failed"
        return outcome

    def unblock_webhook(self, notification_id):
        """The portal's manual re-validation of a blocked subscription."""
        with self.lock:
            self.blocked_webhooks.discard(str(notification_id))
            self.webhook_failures.pop(str(notification_id), None)

    # -- audiences

    def segment_users(self, segment_id):
        with self.lock:
            return set(self.data.segments[str(segment_id)]["users"])

    def segment_requests(self, segment_id):
        """Bodies received by ``/dmpSegments/{id}/users``, oldest first (None once past ``log_body_budget``)."""
        with self.lock:
            captured = list(self.data.segments[str(segment_id)]["requests"])
        return [body.value() if body is not None else None for body in captured]

    def set_segment_status(self, segment_id, status):
        """Put a segment in any life-cycle state (API notes 8.4), e.g. ARCHIVED, EXPIRED or FAILED.

        BUILDING and UPDATING last ``segment_delay`` seconds again; READY takes the counts snapshot at once.
        """
        if status not in SEGMENT_STATUSES:
            raise ValueError(f"unknown segment status {status!r}; choose from {', '.join(SEGMENT_STATUSES)}")
        with self.lock:
            segment = self.data.segments[str(segment_id)]
            if status == "READY":
                segment["status"], segment["ready_at"] = "UPDATING", self.now()
                refresh_segment(self, segment)
            else:
                segment["status"] = status
                segment["ready_at"] = self.now() + self.segment_delay
                segment["lastModified"] = self.now_ms()

    def advance_segments(self):
        """End every BUILDING/UPDATING phase and the post-create 404 window now."""
        with self.lock:
            now = self.now()
            for segment in self.data.segments.values():
                segment["ready_at"] = min(segment["ready_at"], now)
                segment["available_at"] = min(segment["available_at"], now)
                refresh_segment(self, segment)


def _find_question(questions, key):
    for question in questions:
        if key in (
            question.get("predefinedField"),
            question["name"],
            question["questionId"],
            str(question["questionId"]),
        ):
            return question
    raise KeyError(f"no question {key!r} in this form")


def _answer_value(question, value):
    details = question["questionDetails"].get("multipleChoiceQuestionDetails")
    if value is None or details is None:
        return value
    texts = {text: option["id"] for option in details["options"] for text in option["text"]["localized"].values()}
    values = value if isinstance(value, (list, tuple)) else [value]
    return [v if isinstance(v, int) else texts[v] if v in texts else int(v) for v in values]
