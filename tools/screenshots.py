"""Screenshots of the real screens, taken with headless Chromium from the demo.

Run it in the virtualenv ``./demo`` made, with the demo stopped (it serves the demo itself)::

    .venv/bin/python tools/screenshots.py [--db linkedin_demo] [--port 8069] [--reset]

It reuses the demo's own steps (``tools/demo.py``): the demo database (made if missing, ``--reset`` makes a
new one), the LinkedIn emulator with its permission page, the system parameters and Odoo on ``--port``.
Then, as the demo's admin in Chromium (Chrome DevTools protocol), it creates a LinkedIn profile, authorizes
it on the emulated LinkedIn (clicking *Allow*), syncs, sends a mailing list as an audience, and saves 1280x800
PNGs of each screen into ``linkedin_leadgen/static/description/`` and ``linkedin_audience/static/description/``.
Everything it started stops at the end. The screenshots show best from a fresh demo (``--reset``).
"""

import argparse
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import requests
import websocket
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo  # tools/demo.py: the demo's own steps

LEADGEN_DIR = demo.ROOT / "linkedin_leadgen" / "static" / "description"
AUDIENCE_DIR = demo.ROOT / "linkedin_audience" / "static" / "description"
WIDTH, HEIGHT = 1280, 800
PROFILE_NAME = "Marketing team's LinkedIn"
AUDIENCE_NAME = "Newsletter on LinkedIn"
CHROMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class Browser:
    """Headless Chromium driven over the Chrome DevTools protocol: navigate, wait, click, capture."""

    def __init__(self):
        executable = next(filter(None, map(shutil.which, CHROMES)), None)
        if not executable:
            demo.fail("no Chromium found: install Debian's chromium package (apt-get install -y chromium)")
        self.profile_dir = tempfile.mkdtemp(prefix="linkedin_shots_")
        self.process = subprocess.Popen(
            [executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--no-default-browser-check", f"--window-size={WIDTH},{HEIGHT}",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile_dir}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        port_file = Path(self.profile_dir) / "DevToolsActivePort"
        for _attempt in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            page = next(target for target in json.load(answer) if target["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self._ids = iter(range(1, 10**9))
        self.send("Emulation.setDeviceMetricsOverride",
                  width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)  # fmt: skip

    def send(self, method, **params):
        request_id = next(self._ids)
        self.ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == request_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result["result"].get("value")

    def set_cookie(self, name, value, url):
        self.send("Network.setCookie", name=name, value=value, url=url)

    def go(self, url, selector):
        self.send("Page.navigate", url=url)
        return self.wait(selector)

    def wait(self, selector, timeout=60):
        """Wait until ``selector`` is shown and Odoo is idle (no pending RPC, no loading indicator)."""
        check = (
            f"(() => {{ const el = document.querySelector({json.dumps(selector)}); "
            "return !!(el && el.offsetParent !== null && !document.querySelector('.o_loading_indicator') "
            "&& !document.querySelector('.o_blockUI')); })()"
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.evaluate(check):
                    time.sleep(0.6)  # animations and late renders
                    return
            except (RuntimeError, KeyError):
                pass  # a page being replaced
            time.sleep(0.25)
        raise TimeoutError(f"{selector!r} did not show within {timeout} s ({self.evaluate('location.href')})")

    def click(self, selector):
        clicked = self.evaluate(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)}); "
            "if (el) { el.scrollIntoView({block: 'center'}); el.click(); } return !!el; })()"
        )
        if not clicked:
            raise LookupError(f"nothing to click at {selector!r}")

    def scroll_to(self, selector, above=0):
        """Scroll ``selector`` to the top of its scrolling area, leaving ``above`` pixels above it."""
        self.evaluate(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
            " el.scrollIntoView({block: 'start'});"
            " let area = el.parentElement; while (area && area.scrollTop === 0) { area = area.parentElement; }"
            f" if (area) {{ area.scrollTop -= {above}; }} }})()"
        )
        time.sleep(0.4)

    def capture(self, path):
        """Save the viewport as an optimized PNG (256-colour palette, like most UI screenshots allow)."""
        data = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        image = Image.open(io.BytesIO(data)).convert("RGB")
        image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, optimize=True)
        demo.say(f"{path.relative_to(demo.ROOT)} ({path.stat().st_size // 1024} KB)")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile_dir, ignore_errors=True)


class Odoo:
    """JSON-RPC as the demo's admin, for what a screenshot needs to know (record ids)."""

    def __init__(self, url, db):
        self.url = url
        self.session = requests.Session()
        answer = self.session.post(
            f"{url}/web/session/authenticate",
            json={"params": {"db": db, "login": demo.LOGIN, "password": demo.LOGIN}},
            timeout=60,
        ).json()
        if not answer.get("result", {}).get("uid"):
            demo.fail(f"could not log in as {demo.LOGIN}: {answer.get('error')}")

    def call(self, model, method, *args, **kwargs):
        answer = self.session.post(
            f"{self.url}/web/dataset/call_kw",
            json={"params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs}},
            timeout=120,
        ).json()
        if "error" in answer:
            raise RuntimeError(f"{model}.{method}: {answer['error']['data']['message']}")
        return answer["result"]

    def action_url(self, xmlid, res_id=None):
        return f"{self.url}/odoo/action-{xmlid}" + (f"/{res_id}" if res_id else "")


def wait_for_sync(odoo, timeout=300):
    demo.say("waiting for the sync cron to bring the leads in")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = odoo.call("linkedin.ad.account", "search_count", [("sync_state", "in", ("running", "backlog"))])
        if not busy and odoo.call("linkedin.form.submission", "search_count", []):
            return
        time.sleep(2)
    demo.fail(f"the leads did not arrive within {timeout} s")


def take(odoo, browser):
    """Walk through the demo as its admin and capture each screen."""
    shot_leadgen = lambda name: browser.capture(LEADGEN_DIR / f"{name}.png")
    shot_audience = lambda name: browser.capture(AUDIENCE_DIR / f"{name}.png")

    browser.go(odoo.action_url("crm.crm_config_settings_action"), "#linkedin_leadgen_app")
    browser.scroll_to("#linkedin_leadgen_app", above=70)
    shot_leadgen("settings")

    # a new profile, as a first-time user makes it (the one of an earlier run goes, with its accounts' links)
    old_profiles = odoo.call("linkedin.user.profile", "search", [("name", "=", PROFILE_NAME)])
    if old_profiles:
        # the audiences an earlier run made from it go first (an audience keeps its profile)
        audiences = odoo.call("linkedin.audience", "search", [("profile_id", "in", old_profiles)],
                              context={"active_test": False})  # fmt: skip
        if audiences:  # deleted as a user does it: the Delete button's wizard, leaving them on LinkedIn
            wizard = odoo.call("linkedin.audience.remove.wizard", "create", {"audience_ids": [(6, 0, audiences)],
                                                                              "mode": "delete"})  # fmt: skip
            odoo.call("linkedin.audience.remove.wizard", "action_confirm", [wizard])
        odoo.call("linkedin.user.profile", "unlink", old_profiles)
    profile_id = odoo.call("linkedin.user.profile", "create", {"name": PROFILE_NAME})
    profile_url = odoo.action_url("linkedin_leadgen.linkedin_user_profile_action", profile_id)
    browser.go(profile_url, ".o_form_view button[name=action_authorize]")
    shot_leadgen("profile_before")

    browser.click(".o_form_view button[name=action_authorize]")
    browser.wait("button.allow")
    shot_leadgen("linkedin_permission")
    browser.click("button.allow")
    browser.wait(".o_form_view .o_field_widget[name=member_name] span")
    shot_leadgen("profile_after")

    # the authorization woke the sync cron: the leads arrive with nobody pressing Sync
    wait_for_sync(odoo)
    browser.go(odoo.action_url("linkedin_leadgen.linkedin_ad_account_action"), ".o_list_view .o_data_row")
    shot_leadgen("ad_accounts")
    browser.go(odoo.action_url("linkedin_leadgen.linkedin_form_submission_action"), ".o_list_view .o_data_row")
    shot_leadgen("submissions")

    lead_ids = odoo.call("crm.lead", "search", [("linkedin_submission_ids.linkedin_id", "!=", False)],
                         limit=1, order="id desc")  # fmt: skip
    browser.go(f"{odoo.url}/odoo/crm/{lead_ids[0]}", ".o_notebook .nav-link[name=linkedin_lead_info]")
    browser.click(".o_notebook .nav-link[name=linkedin_lead_info]")
    browser.wait(".tab-pane.active .o_field_widget[name=linkedin_form_name]")
    browser.scroll_to(".o_notebook", above=230)
    shot_leadgen("lead_linkedin_tab")

    browser.go(odoo.action_url("linkedin_leadgen.linkedin_ad_account_action_sync_status"), ".o_list_view .o_data_row")
    shot_leadgen("sync_status")
    browser.go(
        odoo.action_url("linkedin_leadgen.linkedin_leadgen_dashboard_action"), ".o_dashboard .o-dashboard-action canvas"
    )
    shot_leadgen("dashboard")
    browser.go(odoo.action_url("linkedin_leadgen.crm_lead_action_linkedin_by_source"), ".o_action .o_content")
    shot_leadgen("leads_by_source")

    lists = odoo.call("mailing.list", "search_read", [], ["id", "contact_count"])
    list_id = max(lists, key=lambda mailing_list: mailing_list["contact_count"])["id"]
    browser.go(odoo.action_url("mass_mailing.action_view_mass_mailing_lists", list_id),
               ".o_form_view .o_statusbar_buttons button[name=action_open_linkedin_audience_wizard]")  # fmt: skip
    browser.click(".o_form_view .o_statusbar_buttons button[name=action_open_linkedin_audience_wizard]")
    browser.wait(".modal .o_field_widget[name=contact_count]")
    browser.evaluate(
        "(() => { const input = document.querySelector('.modal .o_field_widget[name=name] input');"
        f" input.value = {json.dumps(AUDIENCE_NAME)}; input.dispatchEvent(new Event('input', {{bubbles: true}}));"
        " input.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )
    time.sleep(0.5)
    shot_audience("audience_wizard")
    if browser.evaluate("!!document.querySelector('.modal .o_field_widget[name=confirm_small] input:not(:checked)')"):
        browser.click(".modal .o_field_widget[name=confirm_small] input")
        time.sleep(0.5)
    browser.click(".modal button[name=action_create]")
    browser.wait(".o_form_view .o_field_widget[name=segment_id]", timeout=180)
    shot_audience("audience")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tools/screenshots.py", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("LINKEDIN_DEMO_DB", "linkedin_demo"),
                        help="the demo database (default linkedin_demo; made if missing)")  # fmt: skip
    parser.add_argument("--port", type=int, default=int(os.environ.get("LINKEDIN_DEMO_PORT", "8069")),
                        help="Odoo's HTTP port while the screenshots are taken (default 8069)")  # fmt: skip
    parser.add_argument("--reset", action="store_true", help="drop the demo database and make a new one first")
    parser.add_argument("--responses", type=int, default=300, help="lead form responses on the emulated LinkedIn")
    args = parser.parse_args(argv)

    demo.PYTHON = Path(sys.executable)  # the virtualenv running this script holds Odoo and the project
    demo.make_database(args.db, args.reset)
    with demo.Progress(f"updating both addons in {args.db}, so that the screens are this checkout's"):
        command = [demo.PYTHON, "-m", "odoo", "--addons-path", demo.ROOT, "-d", args.db, "-u",
                   "linkedin_leadgen,linkedin_audience", "--stop-after-init", "--log-level", "warn",
                   "--max-cron-threads", "0"]  # fmt: skip
        if subprocess.run([str(part) for part in command], cwd=demo.ROOT, check=False).returncode:
            demo.fail(f"updating the addons in {args.db} failed")
    processes, browser = [], None
    try:
        emulator_url = demo.start_emulator(0, args.responses, processes)
        demo.point_odoo_at(args.db, emulator_url, args.port)
        demo.serve_odoo(args.db, args.port, processes)
        browser = Browser()
        url = f"http://localhost:{args.port}"
        odoo = Odoo(url, args.db)
        browser.set_cookie("session_id", odoo.session.cookies["session_id"], url)
        take(odoo, browser)
        return 0
    finally:
        if browser:
            browser.close()
        demo.stop(processes, interrupted=False)


if __name__ == "__main__":
    sys.exit(main())
