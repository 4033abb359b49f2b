# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
import logging

from werkzeug.exceptions import BadRequest, Forbidden, NotFound, RequestEntityTooLarge
from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from .. import linkedin as li

_logger = logging.getLogger(__name__)

PROFILE_ACTION = "linkedin_leadgen.linkedin_user_profile_action"
MAX_NOTIFICATIONS = 10  # LEAD_ACTION notifications handled per request (LinkedIn sends one)
MAX_BODY = 64 * 1024  # bytes of a notification request


class LinkedInOAuthController(http.Controller):
    """LinkedIn sends the member's browser back here after the sign-in and permission dialog."""

    @http.route("/linkedin_leadgen/oauth/callback", type="http", auth="user", methods=["GET"])
    def linkedin_oauth_callback(self, code=None, state=None, error=None, error_description=None, **kwargs):
        profile = request.env["linkedin.user.profile"]._profile_from_oauth_state(state)
        if not profile:
            # forged, expired or issued to another user: never act on it
            _logger.warning("LinkedIn OAuth callback with an invalid state refused (user %s)", request.env.uid)
            raise Forbidden()

        if error:
            if error.startswith("user_cancelled"):
                message = request.env._("The LinkedIn sign-in was cancelled: the profile was not connected.")
            else:
                message = request.env._(
                    "LinkedIn refused the authorization (%(error)s): %(description)s",
                    error=error,
                    description=error_description or "",
                )
            self._record_failure(profile, message)
            return request.redirect(self._profile_url(profile, error=error))
        if not code:
            raise Forbidden()

        try:
            profile._finish_authorization(code)
            # a log, not a post: posting needs the user's e-mail address, connecting must not
            profile._message_log(
                body=request.env._("Connected to LinkedIn as %(member)s.", member=profile.sudo().member_name or "")
            )
        except Exception as exc:
            # keep what the exchange stored (nothing on failure) and show the reason on the profile
            request.env.cr.rollback()
            if isinstance(exc, UserError):
                message = str(exc)
            else:
                _logger.exception("LinkedIn OAuth callback: connecting profile %s failed", profile.id)
                message = request.env._(
                    "Connecting to LinkedIn failed (%(error)s). Click Authorize to try again; if it fails again, "
                    "ask your administrator to look at Odoo's log.",
                    error=exc.__class__.__name__,
                )
            self._record_failure(profile, message)
            return request.redirect(self._profile_url(profile, error="exchange_failed"))
        # back where the authorization started (the audience wizard's mailing list), else to the profile
        return request.redirect(profile._pop_oauth_return_url() or self._profile_url(profile))

    @staticmethod
    def _record_failure(profile, message):
        """Show why the profile is not connected, on the form and in the chatter (no e-mail address needed)."""
        profile.sudo().last_error = message
        profile._message_log(body=message)

    @staticmethod
    def _profile_url(profile, **query):
        # through the profiles' action: the form opens inside the LinkedIn Lead Gen menu, with its breadcrumb
        url = f"/odoo/action-{PROFILE_ACTION}/{profile.id}"
        query = {key: value for key, value in query.items() if value}
        return f"{url}?{url_encode(query)}" if query else url


# The LinkedIn webhook controller (linkedin.form.submission sync) follows in its own class below.


class LinkedInWebhookController(http.Controller):
    """LinkedIn's lead notifications (API notes, section 6): the challenge, then signed ``LEAD_ACTION`` posts.

    The URL is public, so: nothing is answered while the real-time setting is off; the challenge signs
    only codes of LinkedIn's shape; a notification is accepted with the documented signature only; a
    request carries at most ``MAX_NOTIFICATIONS``; and every accepted request gets the same answer,
    whatever it named, so the answer tells nothing about the ids stored here.

    The scheduled pull stays on as the safety net: a notification that fails here is imported by the
    next pull, and one delivered twice is recognized by the lead's LinkedIn id.
    """

    @http.route(
        "/linkedin_leadgen/webhook",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY,  # werkzeug refuses a longer body while reading it, chunked or not
    )
    def linkedin_webhook(self, **kwargs):
        importer = request.env["linkedin.lead.importer"].sudo()
        if not importer._linkedin_param_bool("linkedin_leadgen.webhook_enabled"):
            raise NotFound()
        secret = request.env["ir.config_parameter"].sudo().get_param("linkedin_leadgen.client_secret") or ""
        httprequest = request.httprequest
        if httprequest.method == "GET":
            challenge = httprequest.args.get("challengeCode")
            if not secret or not li.is_challenge_code(challenge):
                raise BadRequest()
            return request.make_json_response(li.webhook_challenge_response(secret, challenge))

        if (httprequest.content_length or 0) > MAX_BODY:
            raise RequestEntityTooLarge()
        raw_body = httprequest.get_data()
        if len(raw_body) > MAX_BODY:
            raise RequestEntityTooLarge()
        if not li.verify_webhook_signature(secret, raw_body, httprequest.headers.get(li.SIGNATURE_HEADER)):
            _logger.warning("LinkedIn webhook: notification with an invalid signature refused")
            raise Forbidden()
        try:
            payload = li.without_surrogates(json.loads(raw_body or b"{}"))
        except ValueError as exc:
            raise BadRequest() from exc
        notifications = payload if isinstance(payload, list) else [payload]
        if len(notifications) > MAX_NOTIFICATIONS:
            _logger.warning("LinkedIn webhook: %s notifications in one request refused", len(notifications))
            raise RequestEntityTooLarge()
        for notification in notifications:
            outcome = importer._import_webhook(notification) if isinstance(notification, dict) else "ignored"
            _logger.info("LinkedIn webhook: notification handled: %s", outcome)
        return request.make_json_response({"status": "ok"})
