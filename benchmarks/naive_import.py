"""The comparisons of the sync benchmark, run by ``odoo shell`` on a copy of the same database (``env`` is
the shell's). They read the same submissions from the emulator with the project's plain-Python client
(100 a page, as the product), then:

* ``naive``: per submission a ``crm.lead`` ``search`` by e-mail and a ``create`` with default tracking,
  what a first importer would write;
* ``floor``: one batched ``crm.lead.create()`` of them all without tracking.

Settings come from the environment (BENCH_MODE, BENCH_API_URL, BENCH_TOKEN, BENCH_ACCOUNTS); it prints
``elapsed <seconds> leads <count>`` and commits.
"""

import os
import time

from odoo.addons.linkedin_leadgen import linkedin as li

mode = os.environ["BENCH_MODE"]
client = li.LinkedInClient(api_url=os.environ["BENCH_API_URL"], access_token=os.environ["BENCH_TOKEN"],
                           expires_at=time.time() + 3600)  # fmt: skip
started = time.monotonic()
leads = []
for account in os.environ["BENCH_ACCOUNTS"].split(","):
    for response in client.iter_lead_form_responses(account):
        texts = [
            str(((answer.get("answerDetails") or {}).get("textQuestionAnswer") or {}).get("answer") or "")
            for answer in response.get("formResponse", {}).get("answers") or []
        ]
        email = next((text for text in texts if "@" in text), None)
        leads.append({"name": f"LinkedIn lead {li.response_id(response)}", "email_from": email, "type": "lead"})
Lead = env["crm.lead"]  # noqa: F821 - the shell's environment
if mode == "naive":
    for vals in leads:
        if vals["email_from"]:
            Lead.search([("email_normalized", "=", vals["email_from"].lower())], limit=1)
        Lead.create(vals)
else:
    Lead.with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True).create(leads)
env.flush_all()  # noqa: F821
env.cr.commit()  # noqa: F821
print(f"elapsed {time.monotonic() - started:.3f} leads {len(leads)}", flush=True)
