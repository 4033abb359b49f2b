"""Benchmark: upload a 1,000,000-contact mailing list to the LinkedIn emulator as a Matched Audience.

Usage (inside the virtualenv that holds Odoo 18, from the repository root)::

    python benchmarks/bench_audience.py [--db bench_audience] [--contacts 1000000] [--keep-db]

It (re)creates its own database with the project's addons, fills a mailing list with SQL, starts the
emulator in a separate process (``python -m odoo.addons.linkedin_leadgen.emulator``), creates the
audience through the wizard (time budget 0: everything goes through the cron) and runs Odoo's cron
runner until the upload is done. It prints the elapsed
time, the memory growth of this (the Odoo) process and the calls made to LinkedIn.
Goals: under 60 s and under 200 MB of memory growth.
"""

import argparse
import collections
import re
import sys
import time

from _common import connect_profile, emulator_params, run_benchmark

ADDONS = "crm,mass_mailing,linkedin_leadgen,linkedin_audience"


def status_kb(field):
    with open("/proc/self/status") as status:
        match = re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def reset_peak_rss():
    """Reset VmHWM (Linux: write 5 to clear_refs) so the peak measures the upload only."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def settle(dbname):
    """Vacuum the fresh contacts now, so that autovacuum does not compete with the measured upload."""
    import psycopg2

    connection = psycopg2.connect(dbname=dbname)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) mailing_contact, mailing_subscription")
            try:
                cursor.execute("CHECKPOINT")
            except psycopg2.Error as error:  # needs a superuser; the vacuum is what matters
                print(f"no checkpoint before measuring ({error.pgerror or error})".strip(), flush=True)
    finally:
        connection.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="bench_audience")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--keep-db", action="store_true", help="reuse the database (and its contacts)")
    parser.add_argument(
        "--not-found-window", type=float, default=0.0, help="seconds the emulator answers 404 after creating a segment"
    )
    args = parser.parse_args(argv)
    emulator_options = ["--responses", "5", "--not-found-window", str(args.not_found_window)]
    return run_benchmark(args, ADDONS, 8399, emulator_options, run)


def run(args, conf, emulator_url):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import SQL

    from odoo.addons.base.models.ir_cron import ir_cron
    from odoo.addons.linkedin_leadgen.linkedin.client import LinkedInClient

    odoo.tools.config.parse_config(["-c", conf, "-d", args.db])
    registry = Registry(args.db)

    calls = collections.Counter()
    waited = [0.0]  # seconds spent waiting for LinkedIn's answers (the emulator's share of the time)
    send = LinkedInClient._send

    def counting_send(self, method, url, query, endpoint, json_body, headers):
        calls[endpoint] += 1
        started = time.monotonic()
        try:
            return send(self, method, url, query, endpoint, json_body, headers)
        finally:
            waited[0] += time.monotonic() - started

    LinkedInClient._send = counting_send

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        set_param = env["ir.config_parameter"].set_param
        for key, value in {
            **emulator_params(emulator_url),
            "linkedin_audience.batch_size": args.batch_size,
            "linkedin_audience.time_budget": 0,
        }.items():
            set_param(key, value)
        # only the audience crons run here
        (env["ir.cron"].search([]) - env.ref("linkedin_audience.ir_cron_linkedin_audience_sync")).active = False
        mailing_list = env["mailing.list"].search([("name", "=", "Bench list")], limit=1)
        if not mailing_list:
            mailing_list = env["mailing.list"].create({"name": "Bench list"})
            started = time.monotonic()
            env.flush_all()
            cr.execute(
                SQL(
                    """
                    WITH new AS (
                        INSERT INTO mailing_contact (name, email, email_normalized, message_bounce,
                                                     create_date, write_date)
                        SELECT 'Contact ' || g, 'contact.' || g || '@example.com', 'contact.' || g || '@example.com',
                               0, now(), now()
                          FROM generate_series(1, %(count)s) g
                        RETURNING id)
                    INSERT INTO mailing_subscription (contact_id, list_id, opt_out, create_date, write_date)
                    SELECT id, %(list)s, false, now(), now() FROM new
                    """,
                    count=args.contacts,
                    list=mailing_list.id,
                )
            )
            print(f"{args.contacts} contacts created in {time.monotonic() - started:.1f} s", flush=True)
            cr.commit()
            settle(args.db)
        env["linkedin.audience"].with_context(active_test=False).search([]).with_context(
            linkedin_audience_confirmed=True
        ).unlink()
        # connect a profile through the emulator's OAuth dialog (auto-approved)
        profile = env["linkedin.user.profile"].search([("name", "=", "Bench profile")], limit=1) or env[
            "linkedin.user.profile"
        ].create({"name": "Bench profile"})
        connect_profile(profile)
        account = profile.ad_account_ids.filtered(lambda a: a.role != "VIEWER")[:1]
        list_id, profile_id, account_id = mailing_list.id, profile.id, account.id
        cr.commit()  # the cron runner works in its own transactions: it must see this set-up

    calls.clear()
    waited[0] = 0.0
    rss_before = status_kb("VmRSS")
    peak_reset = reset_peak_rss()
    started = time.monotonic()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        wizard = env["linkedin.audience.wizard"].create(
            {"mailing_list_id": list_id, "profile_id": profile_id, "ad_account_id": account_id}
        )
        audience_id = wizard.action_create()["res_id"]
    planned = time.monotonic()
    runs = 0
    while True:
        ir_cron._process_jobs(args.db)
        runs += 1
        with registry.cursor() as cr:
            audience = api.Environment(cr, SUPERUSER_ID, {})["linkedin.audience"].browse(audience_id)
            if not audience.upload_pending or audience.state != "uploading":
                result = audience.read(
                    ["state", "contact_sent_count", "contact_failed_count", "batch_count", "last_error"]
                )[0]
                break
        if runs > 10000:
            raise SystemExit("the upload did not finish")
    elapsed = time.monotonic() - started
    peak = status_kb("VmHWM") if peak_reset else status_kb("VmRSS")
    rss_after = status_kb("VmRSS")

    print(f"contacts: {args.contacts}, batch size: {args.batch_size}")
    print(f"audience: state {result['state']}, sent {result['contact_sent_count']}, "
          f"refused {result['contact_failed_count']}, batches {result['batch_count']}, "
          f"error: {result['last_error'] or '-'}")  # fmt: skip
    print(f"elapsed: {elapsed:.1f} s (wizard: create segment + plan {planned - started:.1f} s, "
          f"uploads through the cron {elapsed - (planned - started):.1f} s in {runs} cron runs)")  # fmt: skip
    print(f"memory: RSS before {rss_before / 1024:.0f} MB, peak during upload {peak / 1024:.0f} MB, after "
          f"{rss_after / 1024:.0f} MB; growth {(peak - rss_before) / 1024:.0f} MB (peak - before)")  # fmt: skip
    print(f"waiting for LinkedIn (the emulator's answers): {waited[0]:.1f} s of the elapsed time")
    print(f"calls to LinkedIn: {sum(calls.values())} ({', '.join(f'{k}: {v}' for k, v in sorted(calls.items()))})")
    ok = result["contact_sent_count"] == args.contacts and elapsed < 60 and (peak - rss_before) < 200 * 1024
    print("goals (< 60 s, < 200 MB, every contact sent):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
