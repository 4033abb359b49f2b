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
import sys
import time

from _harness import (
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

FLOOR_BATCH = 5000


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
            diff = emulator("segment_diff", segment=segment)
            return diff["added"] >= added and diff["removed"] >= len(removed)

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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (under 2 minutes)")
    parser.add_argument("--prefix", default="bench_", help="prefix of the databases made (default bench_)")
    parser.add_argument("--port", type=int, default=8369, help="first HTTP port (two are used)")
    parser.add_argument("--keep", action="store_true", help="keep the databases for a look afterwards")
    parser.add_argument("--only", nargs="*", default=None, help="run these parts only: audience, sync")
    args = parser.parse_args(argv)
    args.contacts = 100_000 if args.quick else 1_000_000
    print(f"# {'quick' if args.quick else 'full'} run, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    template = template_database(args.prefix)
    parts = {"audience": bench_audience}
    for name, part in parts.items():
        if args.only is None or name in args.only:
            part(args, template)
    return 0


if __name__ == "__main__":
    sys.exit(main())
