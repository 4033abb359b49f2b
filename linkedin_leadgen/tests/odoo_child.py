# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Odoo in child processes on the test database, for tests that kill one with ``kill -9``.

A child is ``odoo shell`` reading :attr:`OdooChildCase.CHILD_SCRIPT` on its standard input; the script
finds its arguments (``{"mode": ..., **self.args, **args}``) as JSON in ``$LINKEDIN_CRASH_ARGS`` and
reports with lines ``TAG json`` on its standard output. Such tests see committed data only, so they
run outside any test transaction and must remove what they commit.
"""

import json
import os
import subprocess
import sys

from odoo.tests import BaseCase
from odoo.tools import config

ARGS_VARIABLE = "LINKEDIN_CRASH_ARGS"

#: the head of a child script that syncs: its arguments, ``out()``, the lead source, and the first steps of
#: its ``setup`` mode (the parameters ``args["params"]``, a profile connected with ``args["tokens"]``), which
#: the script goes on with, indented in that branch
SYNC_SCRIPT_HEAD = r"""
import json, os, time
from odoo.addons.linkedin_leadgen import linkedin as li

args = json.loads(os.environ["LINKEDIN_CRASH_ARGS"])
mode = args["mode"]
Submission = env["linkedin.form.submission"]
source = env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content")

def out(*values):
    print(*values, flush=True)

if mode == "setup":
    for key, value in args["params"].items():
        env["ir.config_parameter"].set_param(key, value)
    profile = env["linkedin.user.profile"].create({"name": "Child test", "user_id": env.ref("base.user_admin").id})
    profile._connect_with_tokens(li.Tokens.from_response(args["tokens"]))
"""

#: the last branch of a child script's ``if mode == ...`` chain that removes what a sync committed: the
#: profile ``args["profile"]``, its accounts, forms, submissions, logs and leads (of the script's ``source``),
#: the parameters ``args["params"]`` and the UTM campaigns after ``args["campaign"]``
CLEANUP_MODE = """
elif mode == "cleanup":
    profile = env["linkedin.user.profile"].browse(args["profile"]).exists()
    accounts = profile.ad_account_ids
    submissions = Submission.search([("account_id", "in", accounts.ids)])
    env["crm.lead"].with_context(active_test=False).search([("source_id", "=", source.id)]).unlink()
    submissions.unlink()
    env["linkedin.sync.log"].search([("account_id", "in", accounts.ids)]).unlink()
    accounts.form_ids.unlink()
    accounts.unlink()
    profile.unlink()
    env["ir.config_parameter"].search([("key", "in", list(args["params"]))]).unlink()
    env["utm.campaign"].search([("id", ">", args["campaign"])]).unlink()
    env.cr.commit()
    out("CLEANED")
"""


class OdooChildCase(BaseCase):
    """Base class: set ``CHILD_SCRIPT``, ``self.dbname`` (see :meth:`_test_dbname`) and ``self.args``."""

    CHILD_SCRIPT = ""

    @staticmethod
    def _test_dbname():
        dbname = config["db_name"]
        if isinstance(dbname, list):  # Odoo 19 keeps a list
            dbname = dbname[0]
        return dbname

    def _odoo(self, mode, wait=True, **args):
        """Run the child script in ``mode``; its standard output, or the running process if not ``wait``."""
        env = dict(os.environ, **{ARGS_VARIABLE: json.dumps({"mode": mode, **self.args, **args})})
        command = [sys.executable, "-m", "odoo", "shell", "-d", self.dbname, "--log-level=warn", "--no-http"]
        if config.rcfile and os.path.exists(config.rcfile):
            command += ["-c", config.rcfile]
        addons_path = config["addons_path"]
        if addons_path:
            command += ["--addons-path", addons_path if isinstance(addons_path, str) else ",".join(addons_path)]
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        if not wait:
            process.stdin.write(self.CHILD_SCRIPT)
            process.stdin.close()
            return process
        stdout, stderr = process.communicate(input=self.CHILD_SCRIPT, timeout=300)
        self.assertEqual(process.returncode, 0, stderr[-3000:])
        return stdout

    @staticmethod
    def _emulator_params(emulator):
        """The ``ir.config_parameter`` values that point the children at ``emulator``."""
        return {
            "linkedin_leadgen.client_id": emulator.client_id,
            "linkedin_leadgen.client_secret": emulator.client_secret,
            "linkedin_leadgen.api_url": emulator.api_url,
            "linkedin_leadgen.oauth_url": emulator.oauth_url,
        }

    @staticmethod
    def _line(stdout, tag):
        """The JSON value of the first ``TAG value`` line of ``stdout``."""
        return json.loads(next(line for line in stdout.splitlines() if line.startswith(tag)).split(" ", 1)[1])
