"""What the benchmarks share: their own database, the emulator in a separate process, a connected profile.

The scripts import this module from their own folder (Python puts a script's folder first on ``sys.path``).
"""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"


def create_database(db, conf, addons):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    print(f"creating database {db} with {addons} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "odoo", "-c", conf, "-d", db, "-i", addons, "--without-demo=all",
         "--stop-after-init", "--log-level=warn"],
        check=True,
        cwd=ROOT,
    )  # fmt: skip


def start_emulator(*options):
    """The emulator in a separate process with the benchmark's client and ``options``; (process, its URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "odoo.addons.linkedin_leadgen.emulator", "--port", "0",
         "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, *options],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )  # fmt: skip
    first = process.stdout.readline()
    match = re.search(r"(http://\S+?)\s", first)
    if not match:
        process.kill()
        raise SystemExit(f"the emulator did not start: {first!r}")
    return process, match.group(1)


def run_benchmark(args, addons, http_port, emulator_options, run):
    """Write a temporary Odoo configuration, (re)create ``args.db`` unless ``args.keep_db``, start the
    emulator and return ``run(args, conf, emulator_url)``; the emulator and the configuration go afterwards."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as conf:
        conf.write(
            f"[options]\naddons_path = {ROOT}\nlog_level = warn\nmax_cron_threads = 0\nhttp_port = {http_port}\n"
        )
    try:
        if not args.keep_db:
            create_database(args.db, conf.name, addons)
        emulator, url = start_emulator(*emulator_options)
        try:
            return run(args, conf.name, url)
        finally:
            emulator.kill()
            emulator.wait()
    finally:
        os.unlink(conf.name)


def emulator_params(emulator_url):
    """The ``ir.config_parameter`` values that point Odoo at the emulator."""
    return {
        "linkedin_leadgen.client_id": CLIENT_ID,
        "linkedin_leadgen.client_secret": CLIENT_SECRET,
        "linkedin_leadgen.api_url": emulator_url + "/rest",
        "linkedin_leadgen.oauth_url": emulator_url + "/oauth/v2",
    }


def connect_profile(profile):
    """Connect ``profile`` through the emulator's OAuth dialog (auto-approved)."""
    import requests

    answer = requests.get(profile.action_authorize()["url"], allow_redirects=False, timeout=10)
    code = re.search(r"[?&]code=([^&]+)", answer.headers["Location"]).group(1)
    profile._finish_authorization(code)
