"""The demo: Odoo 18 with CRM, Email Marketing and both addons, talking to the LinkedIn emulator.

Run it from a clone with ``./demo`` (plain ``python3``, no virtualenv needed). It

1. makes the virtualenv ``.venv`` if there is none;
2. installs Odoo 18 into it: from Odoo's nightly source archive, or from the archive or directory
   named by ``ODOO_SOURCE`` (its pinned ``requirements.txt`` is taken from beside the archive when
   there is one, else from inside it);
3. installs the project (``pip install -e '.[test]'``, so the test command works next);
4. creates the demo database with CRM, Email Marketing and both addons in one step (a failed step
   drops the database: never a half-installed demo);
5. starts the LinkedIn emulator (showing LinkedIn's Allow / Cancel page) and points Odoo at it;
6. serves Odoo at http://localhost:8069 and prints the URL and the login.

Ctrl-C stops everything it started. Running it again reuses the demo database; ``--reset`` makes a new
one. ``--port`` (or ``LINKEDIN_DEMO_PORT``) serves Odoo on another port.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
NIGHTLY = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
MODULES = "crm,mass_mailing,linkedin_leadgen,linkedin_audience"
CLIENT_ID, CLIENT_SECRET = "demo-client", "demo-secret"
LOGIN = "admin"
# Odoo's requirements that need system libraries and serve no module of the demo
SKIPPED_REQUIREMENTS = ("python-ldap",)


def say(message):
    print(f"demo: {message}", flush=True)


def fail(message):
    print(f"demo: FAILED: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


class Progress:
    """Prints the step, then its elapsed time (and ``detail``) while it lasts, then how long it took."""

    def __init__(self, title):
        self.title, self.detail = title, ""
        self._done = threading.Event()
        self._tty = sys.stdout.isatty()

    def __enter__(self):
        self.start = time.monotonic()
        say(f"{self.title} ...")
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()
        return self

    def _tick(self):
        interval = 1 if self._tty else 15
        while not self._done.wait(interval):
            line = f"demo:   {int(time.monotonic() - self.start)} s {self.detail}"
            if self._tty:
                sys.stdout.write("\r" + line[:100].ljust(100))
            else:
                sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def __exit__(self, exc_type, exc, tb):
        self._done.set()
        self._thread.join()
        if self._tty:
            sys.stdout.write("\r" + " " * 100 + "\r")
        if exc_type is None:
            say(f"{self.title}: done in {int(time.monotonic() - self.start)} s")


def run(command, progress=None, parse=None, **kwargs):
    """Run ``command``; its output goes to the progress line through ``parse``, and is shown on failure."""
    process = subprocess.Popen(
        [str(part) for part in command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        **kwargs,
    )
    tail = []
    for line in process.stdout:
        tail = (tail + [line])[-40:]
        if progress and parse:
            detail = parse(line)
            if detail:
                progress.detail = detail
    process.wait()
    if process.returncode:
        sys.stderr.write("".join(tail))
    return process.returncode


def pip(*args, progress=None):
    def parse(line):
        match = re.match(r"(Collecting|Building wheel for|Installing collected packages:?)\s*(\S+)", line)
        return f"{match.group(1).lower()} {match.group(2)}" if match else None

    # setuptools<70 builds the old source packages of Odoo's pins (as Odoo's own CI does)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        constraints.write("setuptools<70\n")
    try:
        env = {**os.environ, "PIP_CONSTRAINT": constraints.name}
        command = [PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off", *args]
        return run(command, progress, parse, env=env)
    finally:
        os.unlink(constraints.name)


def venv_python(code):
    return subprocess.run([PYTHON, "-c", code], capture_output=True, check=False).returncode == 0


# ----------------------------------------------------------------------
# Steps
# ----------------------------------------------------------------------


def make_venv():
    if PYTHON.exists():
        return
    with Progress(f"making the virtualenv {VENV.name}"):
        if run([sys.executable, "-m", "venv", VENV]):
            fail("python3 -m venv failed (on Debian or Ubuntu: apt-get install python3-venv)")


def odoo_source():
    """The archive or directory to install Odoo from (downloading the nightly archive if none is given)."""
    given = os.environ.get("ODOO_SOURCE")
    if given:
        path = Path(given).expanduser()
        if not path.is_absolute():
            path = (Path.cwd() / path).resolve()
        if not path.exists():
            fail(f"ODOO_SOURCE={given}: no such file or directory")
        return path
    archive = VENV / "odoo_18.0.latest.tar.gz"
    if not archive.exists():
        with Progress(f"downloading Odoo 18 from {NIGHTLY}") as progress:
            partial = archive.with_suffix(".part")
            with urllib.request.urlopen(NIGHTLY, timeout=60) as answer, open(partial, "wb") as out:
                total, done = int(answer.headers.get("Content-Length") or 0), 0
                while chunk := answer.read(1 << 20):
                    out.write(chunk)
                    done += len(chunk)
                    progress.detail = f"{done >> 20} MB" + (f" of {total >> 20} MB" if total else "")
            partial.rename(archive)
    return archive


def odoo_requirements(source, workdir):
    """Odoo's pinned requirements for ``source``: beside the archive, in the directory or inside the archive."""
    if source.is_dir():
        found = source / "requirements.txt"
    elif (source.parent / "requirements.txt").exists():
        found = source.parent / "requirements.txt"
    else:
        found = None
        with tarfile.open(source) as archive:
            for member in archive:
                if member.name.count("/") <= 1 and member.name.endswith("requirements.txt"):
                    found = workdir / "odoo-requirements.txt"
                    found.write_bytes(archive.extractfile(member).read())
                    break
        if found is None:
            fail(f"{source} holds no requirements.txt")
    kept = [
        line for line in found.read_text().splitlines() if not line.strip().lower().startswith(SKIPPED_REQUIREMENTS)
    ]
    requirements = workdir / "requirements.txt"
    requirements.write_text("\n".join(kept) + "\n")
    return requirements


def install_odoo():
    if venv_python("import odoo.release as r, sys; sys.exit(r.version_info[:2] != (18, 0))"):
        return
    source = odoo_source()
    with tempfile.TemporaryDirectory() as workdir:
        requirements = odoo_requirements(source, Path(workdir))
        with Progress("installing Odoo's pinned requirements (a few minutes the first time)") as progress:
            if pip("-r", requirements, progress=progress):
                fail("pip could not install Odoo's requirements (see above)")
    with Progress(f"installing Odoo 18 from {source.name}") as progress:
        if pip("--no-deps", source, progress=progress):
            fail(f"pip could not install Odoo from {source}")


def install_project():
    if venv_python("import odoo.addons.linkedin_leadgen, pytest_odoo"):
        return
    with Progress("installing the project (pip install -e '.[test]')") as progress:
        if pip("-e", f"{ROOT}[test]", progress=progress):
            fail("pip could not install the project")


def psql(db, sql):
    answer = subprocess.run(["psql", "-tAX", "-d", db, "-c", sql], capture_output=True, text=True, check=False)
    return answer.stdout.strip() if answer.returncode == 0 else None


def drop_database(db):
    subprocess.run(["dropdb", "--if-exists", db], capture_output=True, check=False)


def make_database(db, reset):
    if shutil.which("psql") is None or subprocess.run(["pg_isready", "-q"], check=False).returncode:
        fail("PostgreSQL is not running (or its client tools are missing); start it and run ./demo again")
    installed = psql(
        db,
        "SELECT count(*) FROM ir_module_module WHERE state = 'installed' "
        "AND name IN ('crm', 'mass_mailing', 'linkedin_leadgen', 'linkedin_audience')",
    )
    if installed == "4" and not reset:
        say(f"reusing the demo database {db} (--reset makes a new one)")
        return
    drop_database(db)

    def parse(line):
        match = re.search(r"Loading module (\S+) \((\d+)/(\d+)\)", line)
        return f"module {match.group(2)}/{match.group(3)}: {match.group(1)}" if match else None

    with Progress(f"creating the demo database {db} with CRM, Email Marketing and both addons") as progress:
        command = [PYTHON, "-m", "odoo", "--addons-path", ROOT, "-d", db, "-i", MODULES, "--stop-after-init",
                   "--log-level", "info", "--max-cron-threads", "0"]  # fmt: skip
        code = run(command, progress, parse, cwd=ROOT)
        states = psql(db, "SELECT count(*) FROM ir_module_module WHERE state = 'installed' AND name IN "
                          "('crm', 'mass_mailing', 'linkedin_leadgen', 'linkedin_audience')")  # fmt: skip
        if code or states != "4":
            drop_database(db)
            fail(f"installing the modules failed (odoo exited with {code}); the database {db} was dropped")


def start_emulator(port, responses, processes):
    command = [PYTHON, "-m", "odoo.addons.linkedin_leadgen.emulator", "--port", port, "--responses", responses,
               "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, "--consent", "--seed", "7"]  # fmt: skip
    process = subprocess.Popen([str(part) for part in command], stdout=subprocess.PIPE, text=True)
    processes.append(process)
    first = process.stdout.readline()
    match = re.match(r"LinkedIn emulator on (\S+)", first)
    if not match:
        fail(f"the LinkedIn emulator did not start: {first.strip() or 'no output'}")
    # keep reading its output so that it never blocks on a full pipe
    threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
    say(f"LinkedIn emulator on {match.group(1)} ({responses} lead form responses)")
    return match.group(1)


def point_odoo_at(db, emulator_url, port):
    params = {
        "linkedin_leadgen.api_url": f"{emulator_url}/rest",
        "linkedin_leadgen.oauth_url": f"{emulator_url}/oauth/v2",
        "linkedin_leadgen.client_id": CLIENT_ID,
        "linkedin_leadgen.client_secret": CLIENT_SECRET,
        "web.base.url": f"http://localhost:{port}",
        # the demo stays on this machine: no lead enrichment through Odoo's IAP servers
        "crm.iap.lead.enrich.setting": "manual",
    }
    values = ", ".join(f"('{key}', '{value}', now(), now(), 1, 1)" for key, value in params.items())
    done = psql(
        db,
        "INSERT INTO ir_config_parameter (key, value, create_date, write_date, create_uid, write_uid) "
        f"VALUES {values} ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = now()",
    )
    cron_done = psql(
        db,
        "UPDATE ir_cron SET active = false WHERE id IN (SELECT res_id FROM ir_model_data "
        "WHERE module = 'crm_iap_enrich' AND name = 'ir_cron_lead_enrichment')",
    )
    # a new emulator knows no token of the last run: its profiles have to be authorized again
    reconnect = psql(
        db,
        "UPDATE linkedin_user_profile SET state = 'reconnect', last_error = 'The demo''s emulated LinkedIn was "
        "restarted and forgot this authorization: click Authorize again.' WHERE state = 'connected'",
    )
    if done is None or cron_done is None or reconnect is None:
        fail(f"could not set the LinkedIn system parameters in {db}")


def serve_odoo(db, port, processes):
    command = [PYTHON, "-m", "odoo", "--addons-path", ROOT, "-d", db, "--db-filter", f"^{re.escape(db)}$",
               "--http-port", port, "--gevent-port", int(port) + 3, "--log-level", "warn"]  # fmt: skip
    process = subprocess.Popen([str(part) for part in command], cwd=ROOT)
    processes.append(process)
    url = f"http://localhost:{port}"
    with Progress(f"starting Odoo on {url}"):
        for _attempt in range(120):
            if process.poll() is not None:
                fail(f"Odoo stopped (exit code {process.returncode}); is port {port} free? (--port changes it)")
            try:
                with urllib.request.urlopen(f"{url}/web/login", timeout=5):
                    break
            except OSError:
                time.sleep(1)
    print(
        f"""
  Odoo is ready: {url}
  Login: {LOGIN}  Password: {LOGIN}

  1. CRM > LinkedIn Lead Gen > LinkedIn > User Profiles > New, name it, save, click Authorize.
  2. The emulated LinkedIn asks for your permission: click Allow.
  3. Leads arrive in CRM (My Pipeline) within a minute; Email Marketing > Mailing Lists >
     Send to LinkedIn makes a Matched Audience.

  Ctrl-C stops Odoo and the emulator.
""",
        flush=True,
    )
    return process


def stop(processes, interrupted):
    """Stop what the demo started: after Ctrl-C they got the signal too and stop on their own."""
    deadline = time.monotonic() + (10 if interrupted else 0)
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Terminated(Exception):
    """SIGTERM reached the demo alone (``kill``): unlike Ctrl-C, what it started did not get it."""


def _terminate(signum, frame):
    raise Terminated


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./demo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LINKEDIN_DEMO_PORT", "8069")),
                        help="Odoo's HTTP port (default 8069, or LINKEDIN_DEMO_PORT)")  # fmt: skip
    parser.add_argument("--db", default=os.environ.get("LINKEDIN_DEMO_DB", "linkedin_demo"),
                        help="the demo database (default linkedin_demo)")  # fmt: skip
    parser.add_argument("--reset", action="store_true", help="drop the demo database and make a new one")
    parser.add_argument("--responses", type=int, default=300, help="lead form responses on the emulated LinkedIn")
    parser.add_argument("--emulator-port", type=int, default=0, help="the emulator's port (default: any free one)")
    parser.add_argument("--setup-only", action="store_true", help="prepare everything, serve nothing")
    args = parser.parse_args(argv)

    make_venv()
    install_odoo()
    install_project()
    make_database(args.db, args.reset)
    if args.setup_only:
        say(f"ready; ./demo serves the demo database {args.db}")
        return 0
    processes, interrupted = [], False
    signal.signal(signal.SIGTERM, _terminate)
    try:
        emulator_url = start_emulator(args.emulator_port, args.responses, processes)
        point_odoo_at(args.db, emulator_url, args.port)
        odoo = serve_odoo(args.db, args.port, processes)
        odoo.wait()
        return odoo.returncode
    except (KeyboardInterrupt, Terminated) as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)  # Ctrl-C reached Odoo and the emulator too
        say("stopping Odoo and the emulator")
        return 0
    finally:
        stop(processes, interrupted)


if __name__ == "__main__":
    sys.exit(main())
