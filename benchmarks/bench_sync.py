"""Benchmark: sync 10,000 LinkedIn lead form submissions into a CRM holding 100,000 leads.

Usage (inside the virtualenv that holds Odoo 18, from the repository root)::

    python benchmarks/bench_sync.py [--db bench_linkedin] [--leads 100000] [--responses 10000] [--keep-db]

It (re)creates its own database with ``crm`` and ``linkedin_leadgen``, fills it with leads (SQL, with
their normalized e-mails and sanitized phones, then ``ANALYZE``), measures a bare batched
``crm.lead`` create without tracking for comparison, starts the emulator as a separate process
(``python -m odoo.addons.linkedin_leadgen.emulator``), connects a profile through the emulator's
OAuth dialog, then imports every submission through Odoo's cron runner (committed slices, as in
production). It prints submissions per second, LinkedIn calls per 1,000 submissions and the
bare-create rate. Goals: at least 300 submissions/s, at least half the bare-create rate, at most
12 LinkedIn calls per 1,000 submissions.
"""

import argparse
import collections
import sys
import time

from _common import connect_profile, emulator_params, run_benchmark

ADDONS = "crm,linkedin_leadgen"
BARE_LEADS = 5000
BARE_BATCH = 500


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="bench_linkedin")
    parser.add_argument("--leads", type=int, default=100_000, help="leads in the CRM before the sync")
    parser.add_argument("--responses", type=int, default=10_000, help="lead form responses held by the emulator")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true", help="reuse the database and its leads")
    parser.add_argument(
        "--cron-budget", type=int, default=60, help="seconds of work per cron call (smaller: more committed slices)"
    )
    args = parser.parse_args(argv)
    emulator_options = ["--responses", str(args.responses), "--seed", str(args.seed)]
    return run_benchmark(args, ADDONS, 8398, emulator_options, run)


def fill_leads(env, count):
    """``count`` leads by SQL (the ORM would take minutes), with what matching reads: e-mail, phone, company."""
    from odoo.tools import SQL

    cr = env.cr
    env.flush_all()
    stage = env["crm.stage"].search([], limit=1)
    started = time.monotonic()
    cr.execute(
        SQL(
            """
            INSERT INTO crm_lead (name, type, active, contact_name, partner_name, email_from, email_normalized,
                                  phone, phone_sanitized, company_id, stage_id, probability, priority,
                                  create_date, write_date, create_uid, write_uid)
            SELECT 'Existing lead ' || g, 'opportunity', true, 'Contact ' || g, 'Company ' || mod(g, 5000),
                   'existing.' || g || '@example.com', 'existing.' || g || '@example.com',
                   '+32 470 ' || lpad(g::text, 6, '0'), '+32470' || lpad(g::text, 6, '0'),
                   %(company)s, %(stage)s, 10, '0', now(), now(), 1, 1
              FROM generate_series(1, %(count)s) g
            """,
            company=env.company.id,
            stage=stage.id,
            count=count,
        )
    )
    cr.execute("ANALYZE crm_lead")
    print(f"{count} leads created by SQL in {time.monotonic() - started:.1f} s", flush=True)


def bare_create_rate(env):
    """Leads per second of a bare batched ``crm.lead`` create without tracking (the comparison)."""
    from odoo.addons.linkedin_leadgen.models.crm_lead import LEAD_CREATE_CONTEXT

    Lead = env["crm.lead"].with_context(**LEAD_CREATE_CONTEXT)
    source = env.ref("utm.utm_source_linkedin")
    country = env.ref("base.be")
    started = time.monotonic()
    for offset in range(0, BARE_LEADS, BARE_BATCH):
        Lead.create(
            [
                {
                    "name": f"Bare lead {n}",
                    "type": "opportunity",
                    "contact_name": f"Bare Contact {n}",
                    "email_from": f"bare.{n}.{time.time_ns()}@example.org",
                    "phone": f"+32 471 {n:06d}",
                    "partner_name": f"Bare Company {n % 50}",
                    "function": "Buyer",
                    "city": "Brussels",
                    "country_id": country.id,
                    "source_id": source.id,
                    "user_id": False,
                    "description": f"<p>Bare lead {n}</p>",
                }
                for n in range(offset, offset + BARE_BATCH)
            ]
        )
        env.flush_all()
    elapsed = time.monotonic() - started
    env.cr.rollback()  # the comparison leaves nothing behind
    return BARE_LEADS / elapsed


def run(args, conf, emulator_url):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    from odoo.addons.base.models.ir_cron import ir_cron
    from odoo.addons.linkedin_leadgen.linkedin.client import LinkedInClient

    odoo.tools.config.parse_config(["-c", conf, "-d", args.db])
    registry = Registry(args.db)

    calls = collections.Counter()
    send = LinkedInClient._send

    def counting_send(self, method, url, query, endpoint, json_body, headers):
        calls[endpoint] += 1
        return send(self, method, url, query, endpoint, json_body, headers)

    LinkedInClient._send = counting_send

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        set_param = env["ir.config_parameter"].set_param
        for key, value in {
            **emulator_params(emulator_url),
            "linkedin_leadgen.cron_budget": args.cron_budget,
        }.items():
            set_param(key, value)
        # only the LinkedIn sync cron runs here
        (env["ir.cron"].search([]) - env.ref("linkedin_leadgen.ir_cron_linkedin_sync")).active = False
        if not args.keep_db or not env["crm.lead"].search_count([], limit=1):
            fill_leads(env, args.leads)
        cr.commit()
        bare_rate = bare_create_rate(env)
        print(f"bare crm.lead create (batches of {BARE_BATCH}, no tracking): {bare_rate:.0f} leads/s", flush=True)

        # start from scratch on the LinkedIn side: the leads of a previous run are removed
        env["linkedin.form.submission"].search([]).lead_id.unlink()
        env["linkedin.form.submission"].search([]).unlink()
        env["linkedin.sync.log"].search([]).unlink()
        env["linkedin.user.profile"].search([]).unlink()
        env["linkedin.ad.account"].search([]).unlink()
        profile = env["linkedin.user.profile"].create({"name": "Bench profile"})
        connect_profile(profile)
        accounts = profile.ad_account_ids.filtered("can_sync")
        account_ids = accounts.ids
        leads_before = env["crm.lead"].search_count([])
        cr.commit()  # the cron runner works in its own transactions: it must see this set-up

    calls.clear()
    started = time.monotonic()
    runs = 0
    slices = collections.Counter()
    from odoo.addons.linkedin_leadgen.models.linkedin_lead_importer import LinkedInLeadImporter

    cron_sync = LinkedInLeadImporter._cron_sync

    def counting_cron_sync(importer):
        slices["calls"] += 1
        return cron_sync(importer)

    LinkedInLeadImporter._cron_sync = counting_cron_sync
    with registry.cursor() as cr:
        api.Environment(cr, SUPERUSER_ID, {}).ref("linkedin_leadgen.ir_cron_linkedin_sync")._trigger()
    while True:
        ir_cron._process_jobs(args.db)
        runs += 1
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            accounts = env["linkedin.ad.account"].browse(account_ids)
            if all(account.last_success_date and not account.sync_cursor for account in accounts):
                break
            if any(account.sync_state == "error" for account in accounts):
                raise SystemExit(f"sync failed: {accounts.mapped('last_sync_error')}")
        if runs > 1000:
            raise SystemExit("the sync did not finish")
    elapsed = time.monotonic() - started

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        submissions = env["linkedin.form.submission"].search_count([])
        states = dict(env["linkedin.form.submission"]._read_group([], ["state"], ["__count"]))
        leads_after = env["crm.lead"].search_count([])

    total_calls = sum(calls.values())
    rate = submissions / elapsed
    per_thousand = total_calls * 1000 / submissions if submissions else float("inf")
    print(f"CRM: {leads_before} leads before, {leads_after} after")
    print(f"submissions imported: {submissions} ({', '.join(f'{k}: {v}' for k, v in sorted(states.items()))})")
    print(f"elapsed: {elapsed:.1f} s in {slices['calls']} committed cron slices -> {rate:.0f} submissions/s "
          f"({rate / bare_rate:.2f} x the bare create rate of {bare_rate:.0f}/s)")  # fmt: skip
    print(f"calls to LinkedIn: {total_calls} ({', '.join(f'{k}: {v}' for k, v in sorted(calls.items()))}) "
          f"-> {per_thousand:.1f} per 1,000 submissions")  # fmt: skip
    ok = submissions >= args.responses * 0.9 and rate >= 300 and rate >= bare_rate / 2 and per_thousand <= 12
    print("goals (>= 300/s, >= half the bare create rate, <= 12 calls per 1,000):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
