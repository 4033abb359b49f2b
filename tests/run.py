"""Run every test of the project: client and emulator tests, then the Odoo tests.

Usage (inside the virtualenv that holds Odoo 18)::

    python tests/run.py [--db NAME] [--http-port PORT] [--keep-db] [--long] [pytest arguments ...]

The Odoo tests run through pytest-odoo on a throw-away database that this script
drops and recreates with the project's addons installed. Extra arguments go to
pytest (for example ``-k oauth`` or a path).

The robustness suites (``*/tests/test_suite_*.py``) run with the rest at fast sizes; ``--long``
runs only them, at long sizes. Their figures are printed after pytest's summary, one a line,
``<name>: <value> <unit> (target <target>) ok`` or ``MISS``; a MISS makes the command fail.
"""

import argparse
import glob
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ADDONS = "crm,mass_mailing,linkedin_leadgen,linkedin_audience"
TEST_PATHS = ["tests", "linkedin_leadgen/tests", "linkedin_audience/tests"]
SUITE_PATTERN = "*/tests/test_suite_*.py"
# The same names as linkedin_leadgen/tests/suite_figures.py, which cannot be imported before Odoo is.
SIZE_VARIABLE = "LINKEDIN_SUITE_SIZE"
FIGURES_VARIABLE = "LINKEDIN_FIGURES"


def odoo_available():
    # After `pip install -e .` a bare `import odoo` succeeds (namespace package),
    # so look for odoo.release, which only a real Odoo has.
    try:
        return importlib.util.find_spec("odoo.release") is not None
    except ModuleNotFoundError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("LINKEDIN_TEST_DB", "linkedin_test"))
    parser.add_argument("--http-port", type=int, default=int(os.environ.get("LINKEDIN_TEST_HTTP_PORT", "8069")))
    parser.add_argument("--keep-db", action="store_true", help="reuse the database if it exists (no reinstall)")
    parser.add_argument("--long", action="store_true", help="run only the robustness suites, at their long sizes")
    args, pytest_args = parser.parse_known_args(argv)

    if not odoo_available():
        print(
            "Odoo 18 is not importable by this python: install it first "
            "(pip install https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz, see README.rst).",
            file=sys.stderr,
        )
        return 2

    python = sys.executable
    with tempfile.NamedTemporaryFile("w", suffix=".figures", delete=False) as figures:
        pass
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as conf:
        conf.write(
            f"[options]\naddons_path = {ROOT}\nhttp_port = {args.http_port}\nlog_level = warn\nmax_cron_threads = 0\n"
        )
    try:
        exists = subprocess.run(
            ["psql", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{args.db}'", "postgres"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if not (args.keep_db and exists):
            subprocess.run(["dropdb", "--if-exists", args.db], check=True)
            print(f"run.py: creating database {args.db} with {ADDONS}", flush=True)
            subprocess.run(
                [
                    python,
                    "-m",
                    "odoo",
                    "-c",
                    conf.name,
                    "-d",
                    args.db,
                    "-i",
                    ADDONS,
                    "--without-demo=all",
                    "--stop-after-init",
                    "--log-level=warn",
                ],
                check=True,
                cwd=ROOT,
            )
        paths = [a for a in pytest_args if not a.startswith("-")]
        if args.long and not paths:
            paths = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, SUITE_PATTERN)))
            pytest_args = [*pytest_args, *paths]
        cmd = [
            python,
            "-m",
            "pytest",
            f"--odoo-database={args.db}",
            f"--odoo-addons-path={ROOT}",
            f"--odoo-config={conf.name}",
            "--odoo-http",
            "-p",
            "no:cacheprovider",
            *pytest_args,
            *([] if paths else TEST_PATHS),
        ]
        env = dict(os.environ, **{SIZE_VARIABLE: "long" if args.long else "fast", FIGURES_VARIABLE: figures.name})
        returncode = subprocess.run(cmd, cwd=ROOT, check=False, env=env).returncode
        return print_figures(figures.name, args.long) or returncode
    finally:
        os.unlink(conf.name)
        os.unlink(figures.name)


def print_figures(path, long):
    """Print the suites' figures; 1 when one of them is a MISS, else 0."""
    rows = []
    with open(path, encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    if rows:
        print(f"Robustness figures ({'long' if long else 'fast'} sizes):")
    for name, value, unit, target, ok in rows:
        print(f"{name}: {value} {unit} (target {target}) {'ok' if ok else 'MISS'}", flush=True)
    return 0 if all(row[4] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
