"""``LinkedInClient``: the only place that talks to LinkedIn's REST and OAuth endpoints."""

import calendar
import json
import logging
import random
import re
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import requests

from . import oauth
from .exceptions import (
    AuthError,
    AuthExpiredError,
    AuthRevokedError,
    DailyQuotaExceededError,
    InsufficientPermissionError,
    NotFoundError,
    PermanentError,
    ReauthorizationRequired,
    RetryableServerError,
    ThrottledError,
    VersionSunsetError,
)
from .restli import Raw, build_query, encode_key
from .text import safe_text, without_surrogates
from .urns import account_urn, parse_urn_id, parse_versioned_form_urn, versioned_form_urn

_logger = logging.getLogger(__name__)

DEFAULT_VERSION = "202610"
DEFAULT_API_URL = "https://api.linkedin.com/rest"
DEFAULT_OAUTH_URL = "https://www.linkedin.com/oauth/v2"
LEADGEN_SCOPES = ["r_ads", "r_marketing_leadgen_automation", "r_organization_admin", "r_basicprofile"]
AUDIENCE_SCOPES = ["rw_dmp_segments"]
LEAD_FIELDS = (
    "ownerInfo,associatedEntityInfo,leadMetadataInfo,leadMetadata,associatedEntity,owner,leadType,"
    "versionedLeadGenFormUrn,id,submittedAt,submitter,testLead,formResponse,"
    "form:(hiddenFields,creationLocale,name,id,content)"
)
PAGE_SIZE = 100
DMP_BATCH_SIZE = 1000
# LinkedIn answers 414 past these (API notes, section 1.6); tunnel a little before.
MAX_QUERY_LENGTH = 4000
MAX_URL_LENGTH = 8000
REFRESH_MARGIN = 60  # seconds before expires_at at which the access token is refreshed
_DAY_LIMIT = re.compile(r"\bday\b|daily|quota", re.IGNORECASE)
_SECONDS = re.compile(r"\d+(\.\d+)?")


def next_utc_midnight(now=None):
    """Epoch seconds of the next 00:00 UTC, when LinkedIn's daily quotas reset."""
    current = datetime.fromtimestamp(now if now is not None else time.time(), tz=timezone.utc)
    midnight = (current + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return calendar.timegm(midnight.utctimetuple())


class LinkedInClient:
    """LinkedIn Marketing API client (Rest.li 2.0, versioned ``/rest/`` endpoints).

    One instance per member and thread: it holds the member's tokens and one ``requests.Session``.
    """

    def __init__(
        self,
        api_url=DEFAULT_API_URL,
        oauth_url=DEFAULT_OAUTH_URL,
        client_id=None,
        client_secret=None,
        version=DEFAULT_VERSION,
        access_token=None,
        refresh_token=None,
        expires_at=None,
        on_tokens=None,
        timeout=30,
        max_retries=4,
        backoff=1.0,
        max_backoff=60,
        sleep=time.sleep,
        session=None,
        refresh_expires_at=None,
    ):
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.oauth_url = (oauth_url or DEFAULT_OAUTH_URL).rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.version = version or DEFAULT_VERSION
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.expires_at = int(expires_at) if expires_at else None
        self.refresh_expires_at = int(refresh_expires_at) if refresh_expires_at else None
        self.on_tokens = on_tokens
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.session = session or requests.Session()
        self.stats = Counter()
        self.max_query_length = MAX_QUERY_LENGTH
        self.max_url_length = MAX_URL_LENGTH

    def __repr__(self):
        return f"<LinkedInClient {self.api_url} version={self.version}>"

    # ------------------------------------------------------------------ OAuth

    def authorization_url(self, redirect_uri, scopes, state):
        """URL of LinkedIn's consent page for ``scopes``; LinkedIn sends ``code`` and ``state`` back."""
        return oauth.authorization_url(self.oauth_url, self.client_id, redirect_uri, scopes, state)

    def exchange_code(self, code, redirect_uri):
        """Exchange an authorization code for tokens (kept on the client and passed to ``on_tokens``)."""
        self.stats["accessToken"] += 1
        self.stats["total"] += 1
        tokens = oauth.exchange_code(
            self.oauth_url, self.client_id, self.client_secret, code, redirect_uri, self.timeout
        )
        return self._set_tokens(tokens)

    def refresh(self):
        """Refresh grant with ``self.refresh_token``; raises ReauthorizationRequired when it is refused."""
        if not self.refresh_token:
            raise ReauthorizationRequired("No LinkedIn refresh token: the member must authorize again")
        self.stats["accessToken"] += 1
        self.stats["total"] += 1
        tokens = oauth.refresh_tokens(
            self.oauth_url,
            self.client_id,
            self.client_secret,
            self.refresh_token,
            self.timeout,
            refresh_expires_at=self.refresh_expires_at,
        )
        return self._set_tokens(tokens)

    def introspect(self, token=None):
        """Token introspection (``active``, ``status``, ``expires_at``, ``scope``...) of ``token`` or ours."""
        url = f"{self.oauth_url}/introspectToken"
        oauth.check_transport(url)
        data = {"client_id": self.client_id, "client_secret": self.client_secret, "token": token or self.access_token}
        self.stats["introspectToken"] += 1
        self.stats["total"] += 1
        try:
            response = self.session.post(url, data=data, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RetryableServerError(f"LinkedIn introspection failed ({type(exc).__name__})") from None
        _logger.debug("LinkedIn POST /introspectToken -> %s", response.status_code)
        if response.status_code >= 400:
            raise self._error(response)
        return self._json(response)

    def _set_tokens(self, tokens):
        self.access_token = tokens.access_token
        self.expires_at = tokens.expires_at
        self.refresh_token = tokens.refresh_token
        self.refresh_expires_at = tokens.refresh_expires_at
        if self.on_tokens:
            self.on_tokens(tokens)
        return tokens

    # ------------------------------------------------------------ the wire

    def _headers(self, extra=None):
        headers = {
            "Authorization": f"Bearer {self.access_token}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": "2.0.0",
            "Accept": "application/json",
        }
        headers.update(extra or {})
        return headers

    def _ensure_token(self):
        if self.access_token and not (self.expires_at and time.time() >= self.expires_at - REFRESH_MARGIN):
            return
        if self.refresh_token:
            _logger.info("LinkedIn access token expired or missing: refreshing")
            self.refresh()
            return
        if self.access_token:
            raise AuthExpiredError("The LinkedIn access token has expired and there is no refresh token")
        raise AuthError("No LinkedIn access token: the member must authorize first")

    def request(
        self, method, path, endpoint, params=None, json_body=None, headers=None, idempotent=True, retry_not_found=False
    ):
        """Send one Rest.li call with retries; return ``(response, data)`` (``data`` None when empty).

        ``params`` is a dict encoded by :func:`restli.build_query`; long GET queries are tunneled.
        A non-``idempotent`` call (a create) is retried only when LinkedIn surely did not process it
        (429, connection not established), so that a timeout never creates an entity twice.
        """
        query = build_query(params or {})
        url = f"{self.api_url}/{path.lstrip('/')}"
        oauth.check_transport(url)
        refreshed = False
        attempt = 0
        while True:
            try:
                self._ensure_token()  # a token endpoint 5xx/429 here is retried like the call itself
                response = self._send(method, url, query, endpoint, json_body, headers)
                if response.status_code == 401 and not refreshed and self.refresh_token:
                    code = self._error_code(response)
                    if code in ("EXPIRED_ACCESS_TOKEN", None):
                        _logger.info("LinkedIn answered 401 %s: refreshing the access token once", code or "")
                        self.refresh()
                        refreshed = True
                        continue
                if response.status_code >= 400:
                    raise self._error(response, retry_not_found=retry_not_found)
                return response, self._json(response)
            except requests.RequestException as exc:
                error = RetryableServerError(f"LinkedIn {endpoint} call failed: {type(exc).__name__}")
                if not (idempotent or isinstance(exc, requests.ConnectTimeout)):
                    raise error from None
            except (RetryableServerError, ThrottledError, NotFoundError) as exc:
                if not self._may_retry(exc, idempotent):
                    raise
                error = exc
            delay = self._retry_delay(error, attempt)
            if delay is None:
                raise error
            attempt += 1
            _logger.warning(
                "LinkedIn %s: %s; retry %d/%d in %.1f s", endpoint, error.message, attempt, self.max_retries, delay
            )
            self.sleep(delay)

    @staticmethod
    def _may_retry(error, idempotent):
        if isinstance(error, DailyQuotaExceededError) or not error.retryable:
            return False
        return idempotent or isinstance(error, ThrottledError)

    def _send(self, method, url, query, endpoint, json_body, headers):
        extra = dict(headers or {})
        data = None
        full_url = f"{url}?{query}" if query else url
        if method == "GET" and query and (len(query) > self.max_query_length or len(full_url) > self.max_url_length):
            # Query tunneling: the query string travels in a form-encoded POST body.
            extra.update({"X-HTTP-Method-Override": "GET", "Content-Type": "application/x-www-form-urlencoded"})
            method, full_url, data = "POST", url, query
        elif json_body is not None:
            extra["Content-Type"] = "application/json"
            data = json.dumps(json_body, separators=(",", ":"))
        self.stats[endpoint] += 1
        self.stats["total"] += 1
        started = time.monotonic()
        response = self.session.request(
            method, full_url, data=data, headers=self._headers(extra), timeout=self.timeout, allow_redirects=False
        )
        _logger.debug(
            "LinkedIn %s %s -> %s (%.0f ms)",
            method,
            full_url[len(self.api_url) :],
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response

    def _retry_delay(self, error, attempt):
        """Seconds to wait before the next attempt, or None when retries are spent or pointless."""
        if attempt >= self.max_retries:
            return None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            # Honour Retry-After, but do not block a worker longer than max_backoff: let the caller reschedule.
            return retry_after if retry_after <= self.max_backoff else None
        delay = min(self.max_backoff, self.backoff * (2**attempt))
        return delay / 2 + random.uniform(0, delay / 2)

    @staticmethod
    def _json(response):
        if response.status_code == 204 or not response.content or not response.content.strip():
            return None
        try:
            return without_surrogates(response.json())
        except ValueError:
            raise RetryableServerError(
                f"LinkedIn sent malformed JSON (HTTP {response.status_code})", status=response.status_code
            ) from None

    @staticmethod
    def _error_body(response):
        try:
            body = without_surrogates(response.json())
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    def _error_code(self, response):
        return self._error_body(response).get("code")

    @staticmethod
    def _retry_after(response):
        value = response.headers.get("Retry-After")
        if not value:
            return None
        if _SECONDS.fullmatch(value.strip()):
            return max(0.0, float(value))
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None

    def _mask(self, text):
        """Replace any token or secret of this client found in ``text``."""
        for secret in (self.access_token, self.refresh_token, self.client_secret):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def _error(self, response, retry_not_found=False):
        """Map an HTTP error answer to the exception family."""
        status = response.status_code
        body = self._error_body(response)
        code = body.get("code") or body.get("error")
        detail = body.get("message") or body.get("error_description") or response.reason or ""
        message = self._mask(
            safe_text(f"LinkedIn API error {status}{' ' + str(code) if code else ''}: {detail}".strip())
        )
        if status == 401:
            if code == "EXPIRED_ACCESS_TOKEN":
                return AuthExpiredError(message, status, code)
            if code == "REVOKED_ACCESS_TOKEN":
                return AuthRevokedError(message, status, code)
            return AuthError(message, status, code)
        if status == 403:
            return InsufficientPermissionError(message, status, code)
        if status == 404:
            error = NotFoundError(message, status, code)
            error.retryable = retry_not_found
            return error
        if status == 426:
            return VersionSunsetError(message, status, code)
        if status == 429:
            retry_after = self._retry_after(response)
            if _DAY_LIMIT.search(f"{code or ''} {detail}"):
                return DailyQuotaExceededError(
                    message, status, code, retry_after=retry_after, reset_at=next_utc_midnight()
                )
            return ThrottledError(message, status, code, retry_after=retry_after)
        if status >= 500:
            error = RetryableServerError(message, status, code)
            error.retry_after = self._retry_after(response)  # a 503 may say when to come back
            return error
        return PermanentError(message, status, code)

    def get(self, path, endpoint, params=None, **kwargs):
        return self.request("GET", path, endpoint, params=params, **kwargs)[1]

    # ------------------------------------------------------------ pagination

    def iter_offset(self, path, endpoint, params=None, count=PAGE_SIZE, start=0, position=None):
        """Yield the elements of an offset-paged finder (``start``/``count``), one page at a time.

        ``start`` resumes a listing at an offset already read (a sync interrupted mid-window). ``position``, a
        dict, follows the listing for a caller that stores its own resume point: ``next`` is the offset after
        the element last yielded, ``total`` the size LinkedIn last gave (pass it back when resuming).

        Offsets move when LinkedIn removes elements between two pages (a lead deleted by its member): when
        ``paging.total`` shrinks, the listing steps back by as many elements, so that none is skipped; the
        few read twice are the caller's to recognize by id. ``paging.total`` is sometimes absent and a page
        may hold fewer elements than asked: without a total only an empty page ends the listing.
        """
        position = {} if position is None else position
        known_total = position.get("total")
        while True:
            page = self.get(path, endpoint, {**(params or {}), "start": start, "count": count}) or {}
            elements = page.get("elements") or []
            total = (page.get("paging") or {}).get("total")
            total = total if isinstance(total, int) and not isinstance(total, bool) else None
            if start and total is not None and known_total is not None and total < known_total:
                start, known_total = max(0, start - (known_total - total)), total
                continue  # read again from where the elements after the removed ones now are
            known_total = position["total"] = total
            for index, element in enumerate(elements, 1):
                position["next"] = start + index
                yield element
            start += len(elements)
            if not elements or (total is not None and start >= total):
                return

    def iter_cursor(self, path, endpoint, params=None, page_size=PAGE_SIZE):
        """Yield the elements of a cursor-paged finder (``pageSize``/``pageToken``)."""
        token = None
        seen = set()
        while True:
            page_params = {**(params or {}), "pageSize": page_size}
            if token:
                page_params["pageToken"] = token
            page = self.get(path, endpoint, page_params) or {}
            elements = page.get("elements") or []
            yield from elements
            token = (page.get("metadata") or {}).get("nextPageToken")
            if not token or not elements or token in seen:
                return
            seen.add(token)

    # ------------------------------------------------------------ member and accounts

    def get_me(self):
        """``/rest/me``: the connected member (``id``, ``localizedFirstName``, ``localizedLastName``)."""
        return self.get("me", "me")

    def iter_ad_account_users(self):
        """Ad-account roles of the connected member (``account`` URN, ``role``)."""
        return self.iter_offset("adAccountUsers", "adAccountUsers", {"q": "authenticatedUser"})

    def get_ad_account(self, account_id):
        return self.get(f"adAccounts/{encode_key(parse_urn_id(account_id))}", "adAccounts")

    def iter_ad_accounts(self, status=None, ids=None, fields=None):
        """``adAccounts`` search (cursor paging), optionally filtered by status list and account ids.

        ``fields``: a projection (e.g. ``"id,name,referenceInfo"``: the company page's name in the same call).
        """
        search = {}
        if status:
            search["status"] = {"values": [status] if isinstance(status, str) else list(status)}
        if ids:
            search["id"] = {"values": [account_urn(parse_urn_id(i)) for i in ids]}
        params = {"q": "search", "search": search or None, "fields": Raw(fields) if fields else None}
        return self.iter_cursor("adAccounts", "adAccounts", params)

    def iter_organization_acls(self, state="APPROVED"):
        """Company-page roles of the connected member (``organization``, ``role``, ``state``)."""
        return self.iter_offset("organizationAcls", "organizationAcls", {"q": "roleAssignee", "state": state})

    # ------------------------------------------------------------ forms and leads

    @staticmethod
    def _owner(account_id):
        value = str(account_id)
        if value.startswith("urn:li:organization:"):
            return {"organization": value}
        return {"sponsoredAccount": account_urn(parse_urn_id(value))}

    def iter_lead_forms(self, account_id, count=PAGE_SIZE):
        """Lead forms owned by an ad account (or an organization URN)."""
        params = {"q": "owner", "owner": self._owner(account_id)}
        return self.iter_offset("leadForms", "leadForms", params, count=count)

    def get_lead_form(self, form_id):
        return self.get(f"leadForms/{encode_key(parse_urn_id(form_id))}", "leadForms")

    def iter_lead_form_responses(
        self,
        account_id,
        lead_type="SPONSORED",
        form_urn=None,
        start_ms=None,
        end_ms=None,
        test_leads=None,
        fields=LEAD_FIELDS,
        count=PAGE_SIZE,
        start=0,
        position=None,
    ):
        """Lead form responses of an owner, optionally for one versioned form and a submission window.

        ``form_urn`` is a versioned form URN or a ``(form_id, version)`` pair; ``test_leads`` True gives only
        test leads, False excludes them, None sends nothing; ``start`` and ``position`` as in :meth:`iter_offset`.
        """
        if isinstance(form_urn, tuple | list):
            form_urn = versioned_form_urn(*form_urn)
        elif form_urn:
            form_urn = versioned_form_urn(*parse_versioned_form_urn(form_urn))
        time_range = None
        if start_ms is not None or end_ms is not None:
            time_range = {}
            if start_ms is not None:
                time_range["start"] = int(start_ms)
            if end_ms is not None:
                time_range["end"] = int(end_ms)
        params = {
            "q": "owner",
            "owner": self._owner(account_id),
            "leadType": {"leadType": lead_type},
            "versionedLeadGenFormUrn": form_urn,
            "limitedToTestLeads": test_leads,
            "submittedAtTimeRange": time_range,
            "fields": Raw(fields) if fields else None,
        }
        return self.iter_offset(
            "leadFormResponses", "leadFormResponses", params, count=count, start=start, position=position
        )

    def get_lead_form_response(self, response_id, fields=LEAD_FIELDS):
        """One lead by id (the part after ``urn:li:leadGenFormResponse:``; a full URN is accepted)."""
        params = {"fields": Raw(fields) if fields else None}
        return self.get(f"leadFormResponses/{encode_key(parse_urn_id(response_id))}", "leadFormResponses", params)

    def batch_get_lead_form_responses(self, ids, fields=LEAD_FIELDS, batch_size=PAGE_SIZE):
        """BATCH_GET of leads: ``{id: response}``; ids LinkedIn reports as errors are left out."""
        ids = [parse_urn_id(i) for i in ids]
        results = {}
        for offset in range(0, len(ids), batch_size):
            params = {"ids": ids[offset : offset + batch_size], "fields": Raw(fields) if fields else None}
            data = self.get("leadFormResponses", "leadFormResponses", params) or {}
            results.update(data.get("results") or {})
        return results

    def batch_get_campaigns(self, account_id, campaign_ids):
        """BATCH_GET of an account's campaigns: ``{campaign id (int): campaign}``."""
        ids = sorted({int(parse_urn_id(i)) for i in campaign_ids})
        if not ids:
            return {}
        path = f"adAccounts/{encode_key(parse_urn_id(account_id))}/adCampaigns"
        data = self.get(path, "adCampaigns", {"ids": ids}) or {}
        return {int(parse_urn_id(key)): value for key, value in (data.get("results") or {}).items()}

    # ------------------------------------------------------------ webhooks

    def create_lead_notification(self, account_id, webhook_url, lead_type="SPONSORED"):
        """Subscribe ``webhook_url`` to the owner's leads; returns the subscription id."""
        body = {"webhook": webhook_url, "owner": self._owner(account_id), "leadType": lead_type}
        response, _data = self.request(
            "POST", "leadNotifications", "leadNotifications", json_body=body, idempotent=False
        )
        created_id = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if created_id:
            return str(created_id)
        # LinkedIn sometimes answers 200 without the id header: find the subscription again.
        for item in self.iter_lead_notifications(account_id, lead_type):
            if item.get("webhook") == webhook_url:
                return str(item.get("id"))
        raise PermanentError("LinkedIn created the lead notification but returned no id")

    def iter_lead_notifications(self, account_id, lead_type="SPONSORED"):
        params = {"q": "criteria", "owner": {"value": self._owner(account_id)}, "leadType": {"leadType": lead_type}}
        return self.iter_offset("leadNotifications", "leadNotifications", params)

    def delete_lead_notification(self, notification_id):
        self.request("DELETE", f"leadNotifications/{encode_key(notification_id)}", "leadNotifications")

    # ------------------------------------------------------------ DMP segments

    def create_dmp_segment(
        self, account_id, name, source_segment_id, source_platform="ODOO", description=None, segment_type="USER"
    ):
        """Create a streaming DMP segment; returns its id (from ``x-restli-id``)."""
        body = {
            "name": name,
            "account": account_urn(parse_urn_id(account_id)),
            "type": segment_type,
            "sourcePlatform": source_platform,
            "sourceSegmentId": source_segment_id,
            "destinations": [{"destination": "LINKEDIN"}],
        }
        if description:
            body["description"] = description
        response, data = self.request("POST", "dmpSegments", "dmpSegments", json_body=body, idempotent=False)
        created_id = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not created_id and isinstance(data, dict):
            created_id = data.get("id")
        if not created_id:
            raise PermanentError("LinkedIn created the DMP segment but returned no id")
        return str(created_id)

    def get_dmp_segment(self, segment_id):
        return self.get(f"dmpSegments/{encode_key(segment_id)}", "dmpSegments")

    def iter_dmp_segments(self, account_id, source_segment_id=None):
        params = {
            "q": "account",
            "account": account_urn(parse_urn_id(account_id)),
            "sourceSegmentId": source_segment_id,
        }
        return self.iter_offset("dmpSegments", "dmpSegments", params)

    def get_dmp_segment_destination(self, segment_id):
        """Status and counts (``status``, ``matchedCount``, ``audienceSize``) of the LINKEDIN destination."""
        return self.get(f"dmpSegments/{encode_key(segment_id)}/destinations/LINKEDIN", "dmpSegments/destinations")

    def delete_dmp_segment(self, segment_id):
        self.request("DELETE", f"dmpSegments/{encode_key(segment_id)}", "dmpSegments")

    def dmp_segment_users(self, segment_id, elements):
        """One BATCH_CREATE of ADD/REMOVE elements; returns the per-element results in request order.

        A 404 just after the segment was created is retried within the usual bounds.
        """
        _response, data = self.request(
            "POST",
            f"dmpSegments/{encode_key(segment_id)}/users",
            "dmpSegments/users",
            json_body={"elements": list(elements)},
            headers={"X-RestLi-Method": "BATCH_CREATE"},
            retry_not_found=True,
        )
        elements = data.get("elements") if isinstance(data, dict) else None
        return elements if isinstance(elements, list) else []

    def dmp_segment_users_batched(self, segment_id, elements, batch_size=DMP_BATCH_SIZE):
        """:meth:`dmp_segment_users` in batches of ``batch_size``; results concatenated in order."""
        elements = list(elements)
        results = []
        for offset in range(0, len(elements), batch_size):
            results.extend(self.dmp_segment_users(segment_id, elements[offset : offset + batch_size]))
        return results
