"""What the benchmarks drive: databases, the emulator's process and Odoo server processes over JSON-RPC.

Nothing here calls a model method in the benchmark's own process: every figure comes from an ``odoo``
server started with its HTTP and cron threads, driven as the web client and LinkedIn drive it.
"""

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg2
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ADDONS = "crm,mass_mailing,linkedin_leadgen,linkedin_audience"
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"


def sql(db, query, params=None, fetch=False, autocommit=False):
    """Run ``query`` on ``db`` (set-up and read-back only, never the work measured)."""
    connection = psycopg2.connect(dbname=db)
    try:
        connection.autocommit = autocommit
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall() if fetch else None
        if not autocommit:
            connection.commit()
        return rows
    finally:
        connection.close()


def addons_key():
    """A digest of the addons' files: the template database is rebuilt when they change."""
    digest = hashlib.sha256()
    for addon in ("linkedin_leadgen", "linkedin_audience"):
        for path in sorted((ROOT / addon).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".xml", ".csv"):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def template_database(prefix):
    """A database with the addons installed, built once per version of the addons; its name."""
    name = f"{prefix}template"
    key = addons_key()
    try:
        rows = sql(name, "SELECT value FROM ir_config_parameter WHERE key = 'benchmarks.addons_key'", fetch=True)
    except psycopg2.OperationalError:
        rows = None
    if rows and rows[0][0] == key:
        return name
    subprocess.run(["dropdb", "--if-exists", name], check=True)
    print(f"# installing {ADDONS} into {name} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "odoo", f"--addons-path={ROOT}", "-d", name, "-i", ADDONS, "--without-demo=all",
         "--stop-after-init", "--log-level=warn", "--max-cron-threads=0"],
        check=True,
    )  # fmt: skip
    sql(name, "INSERT INTO ir_config_parameter (key, value) VALUES ('benchmarks.addons_key', %s)", (key,))
    # only the connector's scheduled actions run: the stock ones reach Odoo's servers (IAP enrichment...)
    sql(name, "UPDATE ir_cron c SET active = false FROM ir_model_data d WHERE d.model = 'ir.cron'"
              " AND d.res_id = c.id AND d.module NOT IN ('linkedin_leadgen', 'linkedin_audience')")  # fmt: skip
    return name


def clone_database(template, name):
    subprocess.run(["dropdb", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-T", template, name], check=True)
    return name


def drop_database(name):
    subprocess.run(["dropdb", "--if-exists", name], check=False)


class Emulator:
    """The LinkedIn emulator in its own process (``emulator_process.py``), with its control channel."""

    def __init__(self, **options):
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "emulator_process.py"),
             json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **options})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.stop()
            raise SystemExit(f"the emulator did not start: {self.url!r}")
        self.lock = threading.Lock()

    def __call__(self, op, **kw):
        with self.lock:
            self.process.stdin.write(json.dumps({"op": op, **kw}) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"emulator {op}: {answer['error']}")
        return answer["ok"]

    def stop(self):
        self.process.kill()
        self.process.wait()


class OdooServer:
    """``python -m odoo`` on ``db`` with its HTTP and 2 cron threads, as production runs it."""

    def __init__(self, db, port, extra=()):
        self.db, self.port = db, port
        self.url = f"http://127.0.0.1:{port}"
        self.logfile = Path(tempfile.gettempdir()) / f"{db}-{port}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "odoo", f"--addons-path={ROOT}", "-d", db, f"--db-filter=^{db}$",
             "--http-interface=127.0.0.1", f"--http-port={port}", "--max-cron-threads=2", "--log-level=warn",
             "--without-demo=all", f"--logfile={self.logfile}", *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # its log goes to self.logfile
        )  # fmt: skip
        self.session = requests.Session()
        try:
            self._wait_started()
        except BaseException:
            self.stop()  # never left running behind a failed start
            raise

    def _wait_started(self):
        deadline = time.monotonic() + 120
        while True:
            try:
                if self.session.get(self.url + "/web/login", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or too busy starting to answer
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the Odoo server on {self.db} did not start (see {self.logfile})")
            time.sleep(0.3)
        self.login("admin", "admin")

    def login(self, login, password):
        answer = self.session.post(
            self.url + "/web/session/authenticate",
            json={"jsonrpc": "2.0", "params": {"db": self.db, "login": login, "password": password}},
            timeout=30,
        ).json()
        if answer.get("error"):
            raise SystemExit(f"login refused: {answer['error']}")

    def call(self, model, method, *args, **kwargs):
        """``call_kw`` as the web client sends it (the admin's session); the result."""
        answer = self.session.post(
            f"{self.url}/web/dataset/call_kw/{model}/{method}",
            json={"jsonrpc": "2.0", "method": "call",
                  "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs}},
            timeout=600,
        ).json()  # fmt: skip
        if answer.get("error"):
            data = answer["error"].get("data", {})
            raise RuntimeError(f"{model}.{method}: {data.get('message') or answer['error']}")
        return answer["result"]

    def rss_mb(self):
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1)) / 1024

    def set_params(self, params):
        for key, value in params.items():
            self.call("ir.config_parameter", "set_param", key, str(value))

    def connect_profile(self, emulator, name="Bench profile"):
        """Create a profile and authorize it as a user does: LinkedIn's dialog (auto-approved by the
        emulator), then the OAuth callback route. Returns (profile id, time just before the callback)."""
        self.set_params(
            {
                "linkedin_leadgen.client_id": CLIENT_ID,
                "linkedin_leadgen.client_secret": CLIENT_SECRET,
                "linkedin_leadgen.api_url": emulator.url + "/rest",
                "linkedin_leadgen.oauth_url": emulator.url + "/oauth/v2",
                "web.base.url": self.url,
                "web.base.url.freeze": "1",
            }
        )
        profile_id = self.call("linkedin.user.profile", "create", {"name": name})
        url = self.call("linkedin.user.profile", "action_authorize", [profile_id])["url"]
        callback = requests.get(url, allow_redirects=False, timeout=30).headers["Location"]
        started = time.monotonic()
        answer = self.session.get(callback, allow_redirects=False, timeout=120)
        if answer.status_code not in (302, 303):
            raise SystemExit(f"OAuth callback answered {answer.status_code}")
        return profile_id, started

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class PeakRss(threading.Thread):
    """Samples the server's RSS every 0.1 s; ``peak`` in MB."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.peak, self.stopping = server, server.rss_mb(), threading.Event()
        self.start()

    def run(self):
        while not self.stopping.wait(0.1):
            try:
                self.peak = max(self.peak, self.server.rss_mb())
            except (OSError, AttributeError):
                return

    def stop(self):
        self.stopping.set()
        self.join()
        return self.peak


def wait_until(predicate, timeout, interval=0.05):
    """Poll ``predicate()`` until true; the time it took (None on timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    return None


def figure(name, value, unit, target, ok):
    print(f"{name}: {value} {unit} (target {target}) {'ok' if ok else 'MISS'}", flush=True)
    return ok
