# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Browser tours of both addons: Odoo's tour framework in headless Chromium, against the emulator.

Where no Chromium (or Chrome) is installed, a tour is skipped with a sentence saying so, never counted as
passed; with ``CI`` set in the environment it fails instead, since CI installs Chromium (``.ci/run``).
"""

import json
import os
import unittest
from unittest.mock import patch

from odoo.tests import common as odoo_common

from .common import LinkedInHttpCase


def require_chromium(case):
    """Skip ``case`` (fail it when ``CI`` is set) unless headless Chromium can run Odoo's tours."""
    problem = None
    try:
        odoo_common._find_executable()
    except unittest.SkipTest:
        problem = "no chromium, chromium-browser or google-chrome executable on PATH"
    if problem is None and odoo_common.websocket is None:
        problem = "the websocket-client package (in the project's test extra) is missing"
    if problem is None:
        return
    if os.environ.get("CI"):
        case.fail(f"Chromium is not installed: {problem}; CI runs the browser tours (apt-get install -y chromium)")
    case.skipTest(f"Chromium is not installed: {problem}; install Debian's chromium package to run the tour")


class ConsentClickingBrowser(odoo_common.ChromeBrowser):
    """Odoo's test browser, plus the LinkedIn member: on the emulator's permission page it clicks *Allow*.

    A tour cannot step on another origin's page (its state lives in Odoo's localStorage); it resumes once
    LinkedIn sends the browser back to Odoo's callback.
    """

    linkedin_origin = None

    def _handle_frame_stopped_loading(self, frameId):
        result = super()._handle_frame_stopped_loading(frameId)
        # the events' thread may only send, not wait for an answer
        self._websocket_send(
            "Runtime.evaluate",
            params={
                "expression": (
                    f"location.origin === {json.dumps(self.linkedin_origin)} && "
                    "document.querySelector('button.allow') && document.querySelector('button.allow').click()"
                )
            },
        )
        return result


class LinkedInTourCase(LinkedInHttpCase):
    """HttpCase with the emulator whose tours need Chromium (see :func:`require_chromium`)."""

    browser_size = "1280x800"

    def setUp(self):
        super().setUp()
        require_chromium(self)

    def linkedin_tour(self, url, tour, login, consent=False, timeout=90):
        """Run ``tour`` from ``url`` as ``login``; with ``consent`` the member clicks Allow on LinkedIn."""
        if not consent:
            return self.start_tour(url, tour, login=login, timeout=timeout)
        browser = type("Browser", (ConsentClickingBrowser,), {"linkedin_origin": self.emulator.url})
        with patch.object(odoo_common, "ChromeBrowser", browser):
            return self.start_tour(url, tour, login=login, timeout=timeout)
