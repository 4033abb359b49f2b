"""Benchmarks measured as production runs the product: ``python benchmarks/run.py [--quick]``.

Every figure comes from ``python -m odoo`` server processes this script starts (their own HTTP and two
cron threads), driven over JSON-RPC and the web routes as the web client and LinkedIn drive them, and
timed as a user waits: from the click or notification to the data committed and visible (polled over
JSON-RPC or read from the emulator, which runs in its own process). Each figure is one line
``<name>: <value> <unit> (target <target>) ok|MISS``. ``--quick`` runs reduced sizes (under 2 minutes once
the template database exists); without it, the full sizes.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import time

from _harness import (
    HERE,
    ROOT,
    Emulator,
    OdooServer,
    PeakRss,
    clone_database,
    drop_database,
    figure,
    sql,
    template_database,
    wait_until,
)
from bench_scale import bench_matching, bench_scaleout

FLOOR_BATCH = 5000
AUTHORIZATION_ENDPOINTS = ("authorization", "accessToken", "me", "adAccountUsers", "adAccounts", "organizationAcls")


def fill_mailing_list(db, count):
    """A mailing list of ``count`` contacts, made with SQL (set-up, not measured); its id."""
    list_id = sql(
        db,
        "INSERT INTO mailing_list (name, active, is_public, create_date, write_date)"
        ' VALUES (\'{"en_US": "Bench list"}\', true, true, now(), now()) RETURNING id',
        fetch=True,
    )[0][0]
    sql(
        db,
        """
        WITH new AS (
            INSERT INTO mailing_contact (name, email, email_normalized, message_bounce, create_date, write_date)
            SELECT 'Contact ' || g, 'contact.' || g || '@example.com', 'contact.' || g || '@example.com', 0,
                   now(), now()
              FROM generate_series(1, %(count)s) g
            RETURNING id)
        INSERT INTO mailing_subscription (contact_id, list_id, opt_out, create_date, write_date)
        SELECT id, %(list)s, false, now(), now() FROM new
        """,
        {"count": count, "list": list_id},
    )
    sql(db, "VACUUM (ANALYZE) mailing_contact, mailing_subscription", autocommit=True)
    return list_id


def floor_upload(db, list_id, emulator):
    """The floor: the same e-mails read with one query, SHA-256 hashed and posted in batches of 5,000 to a
    segment of the emulator with the project's plain-Python client (no Odoo); seconds."""
    import odoo.addons

    odoo.addons.__path__.append(str(ROOT))
    from odoo.addons.linkedin_leadgen import linkedin as li  # the client: plain Python under the addon
    from odoo.addons.linkedin_leadgen.linkedin import dmp

    token = emulator("issue_tokens")["access_token"]
    account = emulator("info")["accounts"][0]
    client = li.LinkedInClient(api_url=emulator.url + "/rest", oauth_url=emulator.url + "/oauth/v2",
                               access_token=token, expires_at=time.time() + 3600)  # fmt: skip
    segment = client.create_dmp_segment(account, "Floor", f"floor-{time.time_ns()}")
    started = time.monotonic()
    rows = sql(
        db,
        "SELECT c.email_normalized FROM mailing_contact c JOIN mailing_subscription s ON s.contact_id = c.id"
        " WHERE s.list_id = %s AND NOT s.opt_out",
        (list_id,),
        fetch=True,
    )
    hashes = [hashlib.sha256(row[0].encode()).hexdigest() for row in rows]
    for offset in range(0, len(hashes), FLOOR_BATCH):
        client.dmp_segment_users(
            segment, [dmp.build_element(dmp.ADD, h) for h in hashes[offset : offset + FLOOR_BATCH]]
        )
    elapsed = time.monotonic() - started
    if emulator("segment_count", segment=segment) != len(hashes):
        raise SystemExit("the floor did not send every contact")
    return elapsed


def bench_audience(args, template):
    """Figures 4 and 5: a mailing list uploaded from the wizard on a running server, then 1% of it changed."""
    db = clone_database(template, args.prefix + "audience")
    count = args.contacts
    list_id = fill_mailing_list(db, count)
    emulator = Emulator(responses=5, dmp_not_found_window=0.0, segment_delay=1.0, log_body_budget=8 * 2**20)
    server = OdooServer(db, args.port)
    try:
        profile_id, _clicked = server.connect_profile(emulator)
        accounts = server.call("linkedin.ad.account", "search_read", [("profile_ids", "in", [profile_id]),
                               ("role", "!=", "VIEWER")], ["id"], limit=1)  # fmt: skip
        wizard_id = server.call("linkedin.audience.wizard", "create", {
            "mailing_list_id": list_id, "profile_id": profile_id, "ad_account_id": accounts[0]["id"]})  # fmt: skip
        time.sleep(2)  # let the server settle after the authorization's sync
        rss_before = server.rss_mb()
        sampler = PeakRss(server)
        started = time.monotonic()
        audience_id = server.call("linkedin.audience.wizard", "action_create", [wizard_id])["res_id"]
        clicked = time.monotonic() - started
        segment = server.call("linkedin.audience", "read", [audience_id], ["segment_id"])[0]["segment_id"]
        waited = wait_until(lambda: emulator("segment_count", segment=segment) >= count, timeout=900, interval=0.2)
        elapsed = time.monotonic() - started
        growth = sampler.stop() - rss_before
        if waited is None:
            raise SystemExit(f"audience: only {emulator('segment_count', segment=segment)} of {count} received")
        floor = floor_upload(db, list_id, emulator)
        print(f"# audience of {count} contacts: the click (segment, plan, first batch) {clicked:.1f} s, "
              f"every contact at LinkedIn {elapsed:.1f} s; floor script {floor:.1f} s", flush=True)  # fmt: skip
        figure(f"audience_{count}_time", f"{elapsed:.1f}", "s", "< 60", elapsed < 60)
        figure("audience_vs_floor", f"{elapsed / floor:.2f}", "x floor", "<= 2", elapsed <= 2 * floor)
        figure("audience_server_memory_growth", f"{growth:.0f}", "MB", "< 200", growth < 200)

        # 1% of the list changes: half leaves it (opt-out), half joins it
        step = 200
        removed = sql(db, "UPDATE mailing_subscription SET opt_out = true WHERE list_id = %s AND contact_id %% %s = 0"
                      " RETURNING id", (list_id, step), fetch=True)  # fmt: skip
        added = count // step
        sql(
            db,
            """
            WITH new AS (
                INSERT INTO mailing_contact (name, email, email_normalized, message_bounce, create_date, write_date)
                SELECT 'New ' || g, 'new.' || g || '@example.com', 'new.' || g || '@example.com', 0, now(), now()
                  FROM generate_series(1, %(count)s) g
                RETURNING id)
            INSERT INTO mailing_subscription (contact_id, list_id, opt_out, create_date, write_date)
            SELECT id, %(list)s, false, now(), now() FROM new
            """,
            {"count": added, "list": list_id},
        )
        emulator("segment_mark", segment=segment)
        started = time.monotonic()
        server.call("linkedin.audience", "action_upload", [audience_id])
        expected = {"added": added, "removed": len(removed)}

        def diff_done():
            # polled on what LinkedIn received (comparing a million members every 0.1 s would keep the
            # emulator too busy to answer the upload); the members are compared once it is all there
            received = emulator("segment_received", segment=segment)
            return received["added"] >= added and received["removed"] >= len(removed)

        waited = wait_until(diff_done, timeout=300, interval=0.1)
        elapsed = time.monotonic() - started
        time.sleep(1)  # anything more would show now
        diff = emulator("segment_diff", segment=segment)
        exact = (
            waited is not None
            and {"added": diff["added"], "removed": diff["removed"]} == expected
            and diff["sent"] == expected
            and diff["count"] == count - len(removed) + added
        )
        print(f"# 1% change: expected {expected}, LinkedIn received {diff['sent']} elements, "
              f"segment now {diff['count']}", flush=True)  # fmt: skip
        figure("audience_1pct_change_time", f"{elapsed:.2f}", "s", "< 5", waited is not None and elapsed < 5)
        figure("audience_1pct_change_exact", "yes" if exact else "no", "", "only the difference", exact)
    finally:
        server.stop()
        emulator.stop()
        if not args.keep:
            drop_database(db)


def fill_leads(db, count, matching_emails):
    """``count`` leads made with SQL (set-up), the first ones with ``matching_emails``; then ANALYZE."""
    company, stage = sql(db, "SELECT (SELECT min(id) FROM res_company), (SELECT min(id) FROM crm_stage)", fetch=True)[0]
    sql(
        db,
        """
        INSERT INTO crm_lead (name, type, active, contact_name, partner_name, email_from, email_normalized,
                              phone, phone_sanitized, company_id, stage_id, probability, priority,
                              create_date, write_date, create_uid, write_uid)
        SELECT 'Existing lead ' || g, 'opportunity', true, 'Contact ' || g, 'Company ' || mod(g, 5000),
               coalesce((%(emails)s::text[])[g], 'existing.' || g || '@example.com'),
               lower(coalesce((%(emails)s::text[])[g], 'existing.' || g || '@example.com')),
               '+32 470 ' || lpad(g::text, 6, '0'), '+32470' || lpad(g::text, 6, '0'),
               %(company)s, %(stage)s, 10, '0', now(), now(), 1, 1
          FROM generate_series(1, %(count)s) g
        """,
        {"emails": matching_emails, "company": company, "stage": stage, "count": count},
    )
    sql(db, "ANALYZE crm_lead", autocommit=True)


def run_comparison(db, mode, emulator, accounts, limit=0):
    """``naive_import.py`` in ``odoo shell`` on ``db`` (the first ``limit`` submissions only, if given);
    (seconds, leads)."""
    token = emulator("issue_tokens")["access_token"]
    env = {**os.environ, "BENCH_MODE": mode, "BENCH_API_URL": emulator.url + "/rest", "BENCH_TOKEN": token,
           "BENCH_ACCOUNTS": ",".join(str(a) for a in accounts), "BENCH_LIMIT": str(limit)}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "odoo", "shell", f"--addons-path={ROOT}", "-d", db, "--no-http",
         "--log-level=warn", "--max-cron-threads=0"],
        input=(HERE / "naive_import.py").read_text(), capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    match = re.search(r"elapsed ([\d.]+) leads (\d+)", result.stdout)
    if not match:
        raise SystemExit(f"{mode} importer failed: {result.stdout[-2000:]} {result.stderr[-2000:]}")
    return float(match.group(1)), int(match.group(2))


def submissions_done(server, account_ids):
    accounts = server.call("linkedin.ad.account", "read", account_ids, ["last_success_date", "sync_cursor",
                                                                         "sync_state", "last_sync_error"])  # fmt: skip
    errors = [a["last_sync_error"] for a in accounts if a["sync_state"] == "error"]
    if errors:
        raise SystemExit(f"sync failed: {errors}")
    return all(a["last_success_date"] and not a["sync_cursor"] for a in accounts)


def bench_sync(args, template):
    """Figures 1, 2 and 7: the authorization of a profile syncs its backlog with nobody pressing Sync;
    then a webhook notification; the naive importer and the floor on copies of the same database."""
    emulator = Emulator(responses=args.responses, seed=3)
    base = clone_database(template, args.prefix + "sync_base")
    emails = emulator("response_emails")
    matching = [e for e in emails if e][: args.responses // 5]
    fill_leads(base, args.leads, matching)
    copies = {mode: clone_database(base, args.prefix + mode) for mode in ("naive", "floor")}
    db = clone_database(base, args.prefix + "sync")
    sql(db, "INSERT INTO ir_config_parameter (key, value) VALUES ('linkedin_leadgen.webhook_enabled', '1')")
    server = OdooServer(db, args.port)
    try:
        calls_before = emulator("calls")
        profile_id, clicked = server.connect_profile(emulator)
        callback = time.monotonic() - clicked
        account_ids = server.call("linkedin.ad.account", "search", [("profile_ids", "in", [profile_id]),
                                                                    ("can_sync", "=", True)])  # fmt: skip
        first = wait_until(lambda: server.call("crm.lead", "search_count", [("linkedin_submission_ids", "!=", False)]),
                           timeout=300)  # fmt: skip
        first = first is not None and time.monotonic() - clicked
        wait_until(lambda: submissions_done(server, account_ids), timeout=3600, interval=0.2)
        elapsed = time.monotonic() - clicked
        submissions = server.call("linkedin.form.submission", "search_count", [])
        calls_by_endpoint = {k: v - calls_before.get(k, 0) for k, v in emulator("calls").items()}
        # the sync's calls: those of the authorization (dialog, token, member, its accounts) are not counted
        calls = sum(v for k, v in calls_by_endpoint.items() if k not in AUTHORIZATION_ENDPOINTS)
        pages = [entry["query"] for entry in emulator("requests", endpoint="leadFormResponses")]
        reread = len(pages) - len(set(pages))  # the same page (account, window, offset) asked again
        linkedin_ids = [a["linkedin_id"] for a in server.call("linkedin.ad.account", "read", account_ids,
                                                              ["linkedin_id"])]  # fmt: skip

        # a webhook notification: LinkedIn posts it, signed, to the route; the lead must show in CRM
        hooked = server.call("linkedin.ad.account", "search_read", [("id", "in", account_ids),
                             ("webhook_subscription_id", "!=", False)], ["linkedin_id"], limit=1)  # fmt: skip
        webhook = None
        if hooked:
            response_id = emulator("add_response", account_id=int(hooked[0]["linkedin_id"]))
            started = time.monotonic()
            emulator("deliver_webhook", response_id=response_id)
            domain = [("linkedin_id", "=", response_id), ("lead_id", "!=", False)]
            webhook = wait_until(lambda: server.call("linkedin.form.submission", "search_count", domain), 60)
            webhook = webhook is not None and time.monotonic() - started
    finally:
        server.stop()
    try:
        # the naive importer's rate is measured on a sample: at ~100 ms a lead, all of them take minutes
        naive_time, naive_leads = run_comparison(copies["naive"], "naive", emulator, linkedin_ids, args.naive_sample)
        floor_time, floor_leads = run_comparison(copies["floor"], "floor", emulator, linkedin_ids)
    finally:
        emulator.stop()
        if not args.keep:
            for name in (base, db, *copies.values()):
                drop_database(name)
    rate, naive_rate, floor_rate = submissions / elapsed, naive_leads / naive_time, floor_leads / floor_time
    print(f"# sync: {submissions} submissions into {args.leads} leads ({len(matching)} matching) in {elapsed:.1f} s "
          f"from the OAuth callback; naive importer {naive_leads} in {naive_time:.1f} s; floor {floor_leads} in "
          f"{floor_time:.1f} s; the callback request {callback:.1f} s", flush=True)  # fmt: skip
    print(f"# LinkedIn calls: {calls_by_endpoint}; pages of leads read twice: {reread}", flush=True)
    figure("sync_rate", f"{rate:.0f}", "submissions/s", "-", True)
    figure("sync_vs_naive", f"{rate / naive_rate:.1f}", "x naive", ">= 5", rate >= 5 * naive_rate)
    figure("sync_vs_floor", f"{rate / floor_rate:.2f}", "x floor", ">= 0.75", rate >= 0.75 * floor_rate)
    per_thousand = calls * 1000 / max(submissions, 1)
    figure("linkedin_calls_per_1000", f"{per_thousand:.1f}", "calls", "<= 11", per_thousand <= 11)
    figure("authorize_to_first_lead", f"{first:.1f}" if first else "never", "s", "< 60", bool(first) and first < 60)
    figure("webhook_to_lead", f"{webhook:.2f}" if webhook else "never", "s", "< 5", bool(webhook) and webhook < 5)


def bench_backlog(args, template):
    """Figure 6: a backlog synced in one go from the *Sync submissions* button: the click imports within
    its time budget, the cron continues; the server's memory growth and both rates."""
    emulator = Emulator(responses=0, seed=5)
    db = clone_database(template, args.prefix + "backlog")
    server = OdooServer(db, args.port)
    try:
        if args.quick:  # a shorter click, so that the cron has its share of a small backlog
            server.set_params({"linkedin_leadgen.sync_budget": 3})
        profile_id, _clicked = server.connect_profile(emulator)
        accounts = server.call("linkedin.ad.account", "search_read", [("profile_ids", "in", [profile_id]),
                               ("can_sync", "=", True)], ["linkedin_id"])  # fmt: skip
        account_ids = [a["id"] for a in accounts]
        wait_until(lambda: submissions_done(server, account_ids), timeout=120, interval=0.2)
        emulator("add_responses", count=args.backlog, account_ids=[int(a["linkedin_id"]) for a in accounts])
        time.sleep(1)
        rss_before = server.rss_mb()
        sampler = PeakRss(server)
        started = time.monotonic()
        server.call("linkedin.user.profile", "action_sync_submissions", [profile_id])
        in_call_time = time.monotonic() - started
        in_call = server.call("linkedin.form.submission", "search_count", [])
        count = lambda: server.call("linkedin.form.submission", "search_count", [])
        wait_until(lambda: count() >= args.backlog, timeout=7200, interval=0.5)
        total_time = time.monotonic() - started
        total = server.call("linkedin.form.submission", "search_count", [])
        growth = sampler.stop() - rss_before
    finally:
        server.stop()
        emulator.stop()
        if not args.keep:
            drop_database(db)
    in_call_rate = in_call / in_call_time
    cron_rate = (total - in_call) / max(total_time - in_call_time, 1e-6)
    print(f"# backlog of {args.backlog}: {total} synced in {total_time:.1f} s; the click {in_call} in "
          f"{in_call_time:.1f} s ({in_call_rate:.0f}/s), the cron {total - in_call} in "
          f"{total_time - in_call_time:.1f} s ({cron_rate:.0f}/s)", flush=True)  # fmt: skip
    figure("backlog_server_memory_growth", f"{growth:.0f}", "MB", "< 300", growth < 300)
    ratio = cron_rate / in_call_rate if in_call_rate else 0
    figure("backlog_cron_vs_in_call_rate", f"{ratio:.2f}", "x", ">= 0.8", ratio >= 0.8 and total >= args.backlog)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (under 2 minutes)")
    parser.add_argument("--prefix", default="bench_", help="prefix of the databases made (default bench_)")
    parser.add_argument("--port", type=int, default=8369, help="first HTTP port (two are used)")
    parser.add_argument("--keep", action="store_true", help="keep the databases for a look afterwards")
    parser.add_argument(
        "--only", nargs="*", default=None, help="run these parts only: audience, sync, backlog, matching, scaleout"
    )
    parser.add_argument("--backlog", type=int, help="size of the backlog of figure 6 (default 100,000; 5,000 quick)")
    parser.add_argument("--per-account", type=int, help="submissions per account of figure 8 (default 2,000; 50 quick)")
    args = parser.parse_args(argv)
    backlog, per_account = args.backlog, args.per_account
    args.contacts = 100_000 if args.quick else 1_000_000
    args.responses, args.leads = (2_000, 20_000) if args.quick else (10_000, 100_000)
    args.backlog = backlog or (5_000 if args.quick else 100_000)
    args.matching_sizes = (1_000, 10_000) if args.quick else (10_000, 100_000, 1_000_000)
    args.matching_submissions = 200 if args.quick else 1_000
    args.scaleout_submissions = per_account or (50 if args.quick else 2_000)
    args.naive_sample = 300 if args.quick else 2_000
    print(f"# {'quick' if args.quick else 'full'} run, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    template = template_database(args.prefix)
    parts = {
        "audience": bench_audience,
        "sync": bench_sync,
        "backlog": bench_backlog,
        "scaleout": lambda args, template: bench_scaleout(args, template, Emulator),
        "matching": lambda args, template: bench_matching(args, template, Emulator),
    }
    # --quick stays under 2 minutes: figures 3 and 8 (a server per database size, three servers) only on demand
    default = [name for name in parts if not (args.quick and name in ("scaleout", "matching"))]
    for name, part in parts.items():
        if name in (args.only if args.only is not None else default):
            part(args, template)
    return 0


if __name__ == "__main__":
    sys.exit(main())
