"""Exception family of the LinkedIn client.

``retryable`` tells callers whether a later attempt may succeed without any user action
(the client has already spent its own bounded retries when one of these reaches them).
"""


class LinkedInError(Exception):
    """Base class of every error raised by the LinkedIn client."""

    retryable = False

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class InsecureTransportError(LinkedInError):
    """A plain ``http://`` URL that is not a loopback address."""


class AuthError(LinkedInError):
    """Authentication failed (missing or invalid access token, bad client credentials)."""


class AuthExpiredError(AuthError):
    """The access token expired and could not be refreshed."""


class AuthRevokedError(AuthError):
    """The access token was revoked by the member or by LinkedIn."""


class ReauthorizationRequired(AuthError):
    """The refresh token is missing, invalid, expired or revoked: the member must sign in again."""


class InsufficientPermissionError(LinkedInError):
    """HTTP 403: the token lacks a scope or the member lacks a role."""


class ThrottledError(LinkedInError):
    """HTTP 429; ``retry_after`` is the delay in seconds LinkedIn asked for, or None."""

    retryable = True

    def __init__(self, message, status=429, code=None, retry_after=None):
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class DailyQuotaExceededError(ThrottledError):
    """Day-limit 429: nothing will succeed before ``reset_at`` (epoch seconds of next 00:00 UTC)."""

    def __init__(self, message, status=429, code=None, retry_after=None, reset_at=None):
        super().__init__(message, status=status, code=code, retry_after=retry_after)
        self.reset_at = reset_at


class RetryableServerError(LinkedInError):
    """5xx, timeout, connection error or malformed JSON; ``retry_after`` as sent with a 5xx, or None."""

    retryable = True
    retry_after = None


class NotFoundError(LinkedInError):
    """HTTP 404 (also returned by LinkedIn for restricted resources)."""


class VersionSunsetError(LinkedInError):
    """HTTP 426: the configured ``LinkedIn-Version`` is no longer active."""


class PermanentError(LinkedInError):
    """Any other 4xx: retrying the same request will not help."""
