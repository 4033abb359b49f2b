# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Real ``odoo`` servers (HTTP and cron threads) on a copy of the test database, for the suites that kill them.

:class:`ServerSuiteCase` copies the test database once per class (``pg_dump`` of a snapshot: the test
runner's own connections stay open), starts :class:`OdooServer` processes on it, driven over JSON-RPC
as the web client drives them, and drops the copy at the end. The suites see committed data only, read
back with :func:`sql`. A server is killed with ``SIGKILL`` (no rollback, no goodbye) and started again
on the same port, so LinkedIn's webhook subscriptions still reach it.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import requests

from odoo.tests import BaseCase
from odoo.tools import config

from .common import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET

START_TIMEOUT = 180  # seconds for a server to answer /web/health on a loaded machine
RPC_TIMEOUT = 300
# what no server log of a suite may hold: a deadlock or a serialization failure nobody handled, a traceback
LOG_FAILURES = re.compile(r"deadlock detected|could not serialize access|Traceback|ERROR|CRITICAL")


def sql(db, query, params=None):
    """Run ``query`` on ``db`` in its own committed transaction; the rows it returns (or None)."""
    connection = psycopg2.connect(dbname=db, **_pg_options())
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def _pg_options():
    options = {"host": config["db_host"], "port": config["db_port"], "user": config["db_user"]}
    options["password"] = config["db_password"]
    return {key: value for key, value in options.items() if value}


def _pg_env():
    env = dict(os.environ)
    for key, variable in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        value = _pg_options().get(key)
        if value:
            env[variable] = str(value)
    return env


def copy_database(source, target):
    """``target`` as a copy of ``source`` (committed data), with only the connector's scheduled actions active."""
    env = _pg_env()
    subprocess.run(["dropdb", "--if-exists", target], check=True, env=env, capture_output=True)
    subprocess.run(["createdb", target], check=True, env=env, capture_output=True)
    dump = subprocess.Popen(["pg_dump", "--no-owner", "-d", source], stdout=subprocess.PIPE, env=env)
    restore = subprocess.run(
        ["psql", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", target],
        stdin=dump.stdout,
        capture_output=True,
        env=dict(env, PGOPTIONS="-c synchronous_commit=off"),
        check=False,
    )
    dump.stdout.close()
    if dump.wait() or restore.returncode:
        raise RuntimeError(f"copy of {source} to {target} failed: {restore.stderr.decode()[-2000:]}")
    # the stock scheduled actions reach Odoo's servers (IAP, publisher warranty...): only the connector's run
    sql(
        target,
        "UPDATE ir_cron c SET active = false FROM ir_model_data d WHERE d.model = 'ir.cron' AND d.res_id = c.id"
        " AND d.module NOT IN ('linkedin_leadgen', 'linkedin_audience')",
    )
    return target


def drop_database(name):
    subprocess.run(["dropdb", "--if-exists", "--force", name], check=False, env=_pg_env(), capture_output=True)


class OdooServer:
    """``python -m odoo`` on ``db`` with its HTTP and ``cron_threads`` cron threads, as production runs it.

    Its log goes to :attr:`logfile` (kept across restarts); :meth:`call` is ``call_kw`` as the web client
    sends it, in the admin's session.
    """

    def __init__(self, db, port, cron_threads=2, login=("admin", "admin")):
        self.db, self.port, self.cron_threads, self.credentials = db, port, cron_threads, login
        self.url = f"http://127.0.0.1:{port}"
        handle, name = tempfile.mkstemp(prefix=f"{db}-{port}-", suffix=".log")
        os.close(handle)
        self.logfile = Path(name)
        self.process = None
        self.starts = 0
        self.start()

    def _command(self):
        command = [sys.executable, "-m", "odoo", "server"]
        if config.rcfile and os.path.exists(config.rcfile):
            command += ["-c", config.rcfile]
        addons_path = config["addons_path"]
        if addons_path:
            command += ["--addons-path", addons_path if isinstance(addons_path, str) else ",".join(addons_path)]
        return [
            *command,
            "-d", self.db, f"--db-filter=^{self.db}$", "--http-interface=127.0.0.1", f"--http-port={self.port}",
            f"--max-cron-threads={self.cron_threads}", "--log-level=warn", "--without-demo=all",
            f"--logfile={self.logfile}",
        ]  # fmt: skip

    def start(self):
        """Start the server and log the admin in; returns once it answers."""
        self.process = subprocess.Popen(
            self._command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.starts += 1
        self.session = requests.Session()
        refused = None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if self.session.get(self.url + "/web/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException as exc:
                refused = exc  # not listening yet
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the Odoo server on {self.db} did not start ({refused}): {self.log()[-3000:]}")
            time.sleep(0.2)
        answer = self.session.post(
            self.url + "/web/session/authenticate",
            json={"jsonrpc": "2.0", "params": {"db": self.db, "login": self.credentials[0],
                                               "password": self.credentials[1]}},
            timeout=RPC_TIMEOUT,
        ).json()  # fmt: skip
        if answer.get("error"):
            raise RuntimeError(f"login refused: {answer['error']}")
        return self

    def kill(self):
        """``kill -9``: no rollback, no cleanup, no goodbye."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        if self.process:
            self.process.wait(60)

    def restart(self):
        self.kill()
        return self.start()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def call(self, model, method, *args, **kwargs):
        """``call_kw`` over JSON-RPC in the admin's session; the result (an error raises RuntimeError)."""
        answer = self.session.post(
            f"{self.url}/web/dataset/call_kw/{model}/{method}",
            json={"jsonrpc": "2.0", "method": "call",
                  "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs}},
            timeout=RPC_TIMEOUT,
        ).json()  # fmt: skip
        if answer.get("error"):
            data = answer["error"].get("data", {})
            raise RuntimeError(f"{model}.{method}: {data.get('message') or answer['error']}")
        return answer["result"]

    def set_params(self, params):
        for key, value in params.items():
            self.call("ir.config_parameter", "set_param", key, str(value))

    def connect_profile(self, emulator, name, **values):
        """Create a LinkedIn profile and authorize it as a user does: LinkedIn's dialog (approved at once by
        the emulator), then the OAuth callback route in the admin's session. Returns the profile's id."""
        profile_id = self.call("linkedin.user.profile", "create", {"name": name, **values})
        url = self.call("linkedin.user.profile", "action_authorize", [profile_id])["url"]
        callback = requests.get(url, allow_redirects=False, timeout=30).headers["Location"]
        answer = self.session.get(callback, allow_redirects=False, timeout=RPC_TIMEOUT)
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"OAuth callback answered {answer.status_code}")
        return profile_id

    def log(self):
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""

    def log_failures(self):
        """The log lines of a deadlock, a serialization failure left unhandled, an error or a traceback."""
        return [line for line in self.log().splitlines() if LOG_FAILURES.search(line)]


class ServerSuiteCase(BaseCase):
    """Base class: a copy of the test database per class (``cls.db``), servers started on it with
    :meth:`_server`, all killed and the copy dropped at the end."""

    #: the copy is named after the test database and this suffix
    DB_SUFFIX = "suite"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        source = config["db_name"]
        if isinstance(source, list):  # Odoo 19 keeps a list
            source = source[0]
        cls.db = copy_database(source, f"{source}_{cls.DB_SUFFIX}")
        cls.addClassCleanup(drop_database, cls.db)
        cls.servers = []

    def _server(self, cron_threads=2):
        """A server on the copy, on a free port (kept across its restarts)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = OdooServer(self.db, port, cron_threads=cron_threads)
        self.servers.append(server)
        self.addCleanup(self._stop_server, server)
        return server

    @staticmethod
    def _stop_server(server):
        server.kill()
        server.logfile.unlink(missing_ok=True)

    @staticmethod
    def _linkedin_params(emulator, server):
        """The settings pointing the servers at ``emulator`` (the webhook's base URL at ``server``)."""
        return {
            "linkedin_leadgen.client_id": EMULATOR_CLIENT_ID,
            "linkedin_leadgen.client_secret": EMULATOR_CLIENT_SECRET,
            "linkedin_leadgen.api_url": emulator.api_url,
            "linkedin_leadgen.oauth_url": emulator.oauth_url,
            "web.base.url": server.url,
            "web.base.url.freeze": "True",
        }

    def _sql(self, query, params=None):
        return sql(self.db, query, params)

    def _submission_outcome(self, expected):
        """``(ids, lost, duplicates)`` of the stored submissions against the LinkedIn ids ``expected``: every
        stored LinkedIn id (a list), how many expected ones have no lead, how many submissions or leads
        were made twice."""
        rows = self._sql("SELECT linkedin_id, state, lead_id FROM linkedin_form_submission")
        ids = [row[0] for row in rows]
        with_lead = {row[0] for row in rows if row[2] and row[1] in ("lead_created", "lead_updated")}
        created_leads = [row[2] for row in rows if row[1] == "lead_created"]
        lead_count = self._sql("SELECT count(*) FROM crm_lead")[0][0]
        duplicates = (len(ids) - len(set(ids))) + (lead_count - len(set(created_leads)))
        return ids, len(expected - with_lead), duplicates

    def _trigger_cron(self, xmlid):
        """Wake a scheduled action as Odoo's ``_trigger()`` does: a trigger row, then the cron threads'
        notification (both servers listen to it)."""
        module, name = xmlid.split(".")
        self._sql(
            "INSERT INTO ir_cron_trigger (cron_id, call_at) SELECT res_id, now() at time zone 'UTC'"
            " FROM ir_model_data WHERE module = %s AND name = %s",
            [module, name],
        )
        self._wake_crons()

    def _wake_crons(self):
        """The database notification that wakes the servers' cron threads at once (they look by themselves
        only every 60 s, and a server just started listens only once its cron threads run)."""
        self._sql("NOTIFY cron_trigger, %s", [self.db])

    def wait_until(self, predicate, timeout, interval=0.1, wake=False):
        """Poll ``predicate()`` until it is true (waking the cron threads every second if ``wake``); False on
        timeout."""
        deadline = time.monotonic() + timeout
        woken = 0
        while time.monotonic() < deadline:
            if predicate():
                return True
            if wake and time.monotonic() - woken >= 1:
                self._wake_crons()
                woken = time.monotonic()
            time.sleep(interval)
        return bool(predicate())
