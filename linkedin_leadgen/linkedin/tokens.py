"""The token set returned by LinkedIn's OAuth endpoints."""

import re
import time
from dataclasses import dataclass, field


def split_scopes(value):
    """LinkedIn documents space-delimited scopes but answers with commas: accept both."""
    if not value:
        return []
    if isinstance(value, list | tuple | set):  # oauthlib splits on spaces only: split its items again
        value = " ".join(str(scope) for scope in value)
    return [scope for scope in re.split(r"[\s,]+", str(value)) if scope]


@dataclass
class Tokens:
    access_token: str = field(repr=False)
    expires_at: int
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_at: int | None = None
    scopes: list = field(default_factory=list)

    @classmethod
    def from_response(cls, data, now=None, previous_refresh_token=None, previous_refresh_expires_at=None):
        """Build from a token endpoint answer; a refresh answer without a refresh token keeps the old one."""
        now = int(now if now is not None else time.time())
        refresh_token = data.get("refresh_token") or previous_refresh_token
        if data.get("refresh_token_expires_in") and data.get("refresh_token"):
            refresh_expires_at = now + int(data["refresh_token_expires_in"])
        else:
            refresh_expires_at = previous_refresh_expires_at
        return cls(
            access_token=data["access_token"],
            expires_at=now + int(data.get("expires_in") or 0),
            refresh_token=refresh_token,
            refresh_expires_at=refresh_expires_at,
            scopes=split_scopes(data.get("scope")),
        )
