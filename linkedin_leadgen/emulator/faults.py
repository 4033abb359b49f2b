"""Faults that tests inject per endpoint: throttling, server errors, slowness, broken JSON, token events."""

from dataclasses import dataclass, field

from .base import ApiError, Reply

THROTTLED = "Resource level throttle limit for calls to this resource is reached."
DAY_LIMIT = THROTTLED + " APPLICATION_AND_MEMBER DAY limit reached for this resource."
FAULTS = ("429", "429_retry_after", "day_limit", "500", "503", "slow", "malformed", "truncated", "expire_token",
          "revoke_token", "404")  # fmt: skip
# faults that alter the request and let it through instead of answering it ("truncated" cuts the answer)
PASS_THROUGH = ("slow", "truncated", "expire_token", "revoke_token")
# what LinkedIn and the network do to a share of the requests in ``random_faults()`` mode (each as likely)
UNRELIABLE = ("429", "429_retry_after", "500", "503", "slow", "malformed", "truncated")


@dataclass
class Fault:
    """A pending fault; ``times=None`` repeats until ``clear_faults()`` or ``reset()``."""

    kind: str
    times: object = 1
    options: dict = field(default_factory=dict)

    def applies(self, target):
        """Whether the fault is for a request to ``target`` (its path and query): the ``account`` option
        limits it to requests naming that ad account."""
        account = self.options.get("account")
        return account is None or str(account) in target

    def reply(self):
        if self.kind == "429":
            return ApiError(429, THROTTLED, service_code=101).reply()
        if self.kind == "429_retry_after":
            retry_after = str(self.options.get("retry_after", 1))
            return ApiError(429, THROTTLED, service_code=101, headers={"Retry-After": retry_after}).reply()
        if self.kind == "day_limit":
            return ApiError(429, DAY_LIMIT, service_code=101).reply()
        if self.kind == "malformed":
            return Reply(200, raw=b'{"elements": [{"id": ')
        headers = {"Retry-After": str(self.options["retry_after"])} if "retry_after" in self.options else None
        return ApiError(int(self.kind), {"500": "Internal Server Error", "503": "Service Unavailable",
                                         "404": "Not Found"}[self.kind], headers=headers).reply()  # fmt: skip


DECK = 20  # random faults are dealt in decks of this many requests


@dataclass
class RandomFaults:
    """Seeded random faults: a share ``rate`` of the REST requests fails, with one of ``kinds``.

    The failing requests are dealt from shuffled decks of :data:`DECK` requests holding ``rate * DECK``
    faults each: which requests fail is random, the share is ``rate`` however few requests a test makes.
    """

    rate: float
    rng: object
    kinds: tuple = UNRELIABLE
    options: dict = field(default_factory=dict)
    requests: int = 0
    injected: dict = field(default_factory=dict)
    deck: list = field(default_factory=list)

    def draw(self):
        self.requests += 1
        if not self.deck:
            faults = round(self.rate * DECK)
            self.deck = [True] * faults + [False] * (DECK - faults)
            self.rng.shuffle(self.deck)
        if not self.deck.pop():
            return None
        kind = self.rng.choice(self.kinds)
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return Fault(kind, 1, dict(self.options))
