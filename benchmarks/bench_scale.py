"""Figures 3 and 8 of ``run.py``: matching against growing databases, and two servers on one database.

As everywhere in the benchmarks, the work measured is done by ``python -m odoo`` servers driven over
JSON-RPC and the web routes; SQL only prepares data (existing leads) and reads results back.
"""

import hashlib
import json
import subprocess
import sys
import time

import phonenumbers
from _harness import ROOT, OdooServer, addons_key, clone_database, drop_database, figure, sql, wait_until

# the shipped strategies, by the name of their figure
STRATEGIES = {"email": "E-mail", "phone": "Phone", "company": "E-mail and company name"}
MATCHING_FORM = 3  # the emulator's form template with an e-mail, a phone and a company name ("US webinar")
WORDS = [
    *("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Hooli", "Vandelay", "Soylent"),
    *("Tyrell", "Cyberdyne", "Gringotts", "Oscorp", "Aperture", "Monarch", "Nakatomi", "Dunder", "Sterling", "Acton"),
]
TRADES = ["Logistics", "Software", "Consulting", "Foods", "Energy", "Pharma", "Robotics", "Media", "Textiles", "Bank"]


def e164(number):
    """The number as Odoo stores it in ``phone_sanitized``: E.164 when valid, else None (as Odoo does)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def fill_matching_leads(db, count, matching):
    """``count`` leads made with SQL (set-up): realistic e-mails, phones and company names, all distinct per
    lead but company names (about 4 leads a company); the first ones take the e-mail, phone and company of
    ``matching`` (answers of the submissions to come). Then the table is vacuumed and analyzed."""
    company, stage = sql(db, "SELECT (SELECT min(id) FROM res_company), (SELECT min(id) FROM crm_stage)", fetch=True)[0]
    emails = [m.get("EMAIL") for m in matching]
    phones = [m.get("PHONE_NUMBER") for m in matching]
    sanitized = [e164(p) if p else None for p in phones]
    companies = [m.get("COMPANY_NAME") for m in matching]
    sql(
        db,
        """
        INSERT INTO crm_lead (name, type, active, contact_name, partner_name, email_from, email_normalized,
                              phone, phone_sanitized, company_id, stage_id, probability, priority,
                              create_date, write_date, create_uid, write_uid)
        SELECT 'Existing lead ' || g, 'opportunity', true, 'Contact ' || g,
               coalesce((%(companies)s::text[])[g], company),
               coalesce((%(emails)s::text[])[g], mailbox || '@' || domain),
               lower(coalesce((%(emails)s::text[])[g], mailbox || '@' || domain)),
               coalesce((%(phones)s::text[])[g], '+1 212 ' || lpad(g::text, 7, '0')),
               coalesce((%(sanitized)s::text[])[g], '+1212' || lpad(g::text, 7, '0')),
               %(company)s, %(stage)s, 10, '0', now(), now(), 1, 1
          FROM generate_series(1, %(count)s) g,
               LATERAL (SELECT (%(words)s::text[])[1 + g %% 20] || ' ' || (%(trades)s::text[])[1 + (g / 20) %% 10]
                               || ' ' || (g / 800) AS company) c,
               LATERAL (SELECT 'contact.' || g AS mailbox,
                               lower((%(words)s::text[])[1 + g %% 20]) || (g / 800) || '.example.com' AS domain) m
        """,
        {"emails": emails, "phones": phones, "sanitized": sanitized, "companies": companies, "company": company,
         "stage": stage, "count": count, "words": WORDS, "trades": TRADES},
    )  # fmt: skip
    sql(db, "VACUUM (ANALYZE) crm_lead", autocommit=True)


def leads_database(args, template, count, matching):
    """The template with ``count`` leads (``<prefix>leads_<count>``), built once and kept for later runs
    while the matching answers stay the same; when the addons changed since, it is upgraded in place
    (``-u``), which takes far less than filling 1,000,000 leads again. Its name."""
    name = f"{args.prefix}leads_{count}"
    key = hashlib.sha256(f"{count}:{json.dumps(matching)}".encode()).hexdigest()[:16]
    try:
        rows = sql(name, "SELECT key, value FROM ir_config_parameter WHERE key LIKE 'benchmarks.%%'", fetch=True)
    except Exception:  # noqa: BLE001 - no such database yet
        rows = []
    keys = dict(rows)
    started = time.monotonic()
    if keys.get("benchmarks.leads_key") != key:
        clone_database(template, name)
        fill_matching_leads(name, count, matching)
        sql(name, "INSERT INTO ir_config_parameter (key, value) VALUES ('benchmarks.leads_key', %s)", (key,))
        print(f"# made {name} with {count} leads in {time.monotonic() - started:.0f} s (kept)", flush=True)
    elif keys.get("benchmarks.addons_key") != addons_key():
        subprocess.run(
            [sys.executable, "-m", "odoo", f"--addons-path={ROOT}", "-d", name,
             "-u", "linkedin_leadgen,linkedin_audience", "--stop-after-init", "--log-level=warn",
             "--max-cron-threads=0", "--no-http"],
            check=True,
        )  # fmt: skip
        sql(name, "UPDATE ir_config_parameter SET value = %s WHERE key = 'benchmarks.addons_key'", (addons_key(),))
        print(f"# upgraded {name} to the addons of now in {time.monotonic() - started:.0f} s", flush=True)
    return name


def sync_crons_active(server, active):
    """Switch the lead sync's scheduled actions (set-up: the matching figures time the button alone)."""
    crons = server.call("ir.cron", "search", [("code", "=", "model._cron_sync()")], context={"active_test": False})
    server.call("ir.cron", "write", crons, {"active": active})


def bench_matching(args, template, emulator_class):
    """Figure 3: ``Sync now`` of an ad account with N submissions (20% matching existing leads) into
    databases of 10,000, 100,000 and 1,000,000 leads, for each shipped matching strategy."""
    sizes, per_run = args.matching_sizes, args.matching_submissions
    times = {}
    for size in sizes:
        emulator = emulator_class(responses=0, seed=11)
        try:
            accounts = emulator("add_accounts", count=len(STRATEGIES), form=MATCHING_FORM)
            matching = []
            for account in accounts:
                emulator("add_responses", count=per_run, account_ids=[account])
                answers = emulator("account_answers", account_id=account)
                matching += answers[::5]  # 20% of each account's submissions match an existing lead
            base = leads_database(args, template, size, matching)
            started = time.monotonic()
            db = clone_database(base, f"{args.prefix}matching")
            cloned = time.monotonic() - started
            server = OdooServer(db, args.port)
            try:
                sync_crons_active(server, False)
                server.connect_profile(emulator)
                by_linkedin_id = {
                    a["linkedin_id"]: a["id"]
                    for a in server.call("linkedin.ad.account", "search_read", [], ["linkedin_id"])
                }
                for (key, strategy_name), account in zip(STRATEGIES.items(), accounts, strict=True):
                    strategy = server.call("linkedin.matching.strategy", "search", [("name", "=", strategy_name)])
                    server.call("linkedin.matching.strategy", "action_activate", strategy)
                    account_id = by_linkedin_id[str(account)]
                    started = time.monotonic()
                    server.call("linkedin.ad.account", "action_sync_now", [account_id])
                    elapsed = time.monotonic() - started
                    done = server.call("linkedin.ad.account", "read", [account_id],
                                       ["lead_created_count", "lead_updated_count", "sync_state"])[0]  # fmt: skip
                    if done["lead_created_count"] + done["lead_updated_count"] != per_run:
                        raise SystemExit(f"matching {key} at {size}: {done}")
                    times[key, size] = elapsed
                    print(f"# matching {key}: {per_run} submissions into {size} leads in {elapsed:.2f} s "
                          f"({done['lead_updated_count']} matched); database copied in {cloned:.0f} s",
                          flush=True)  # fmt: skip
            finally:
                server.stop()
                drop_database(db)
        finally:
            emulator.stop()
    small, large = sizes[0], sizes[-1]
    label = f"{large // 1000}k" if large < 1_000_000 else f"{large // 1_000_000}m"
    for key in STRATEGIES:
        ratio = times[key, large] / times[key, small]
        figure(f"matching_{key}_{label}_vs_{small // 1000}k", f"{ratio:.2f}", "x", "<= 3", ratio <= 3)


def count_done(server):
    return server.call("linkedin.form.submission", "search_count", [])


def bench_scaleout(args, template, emulator_class):
    """Figure 8: 20 ad accounts with a backlog each, synced by the cron of one server, then of two servers on
    one database (each with its two cron threads): both work, nothing twice; the speed-up."""
    count, per_account = 20, args.scaleout_submissions
    emulator = emulator_class(responses=0, seed=13)
    elapsed = {}
    try:
        accounts = emulator("add_accounts", count=count)
        emulator("add_responses", count=count * per_account, account_ids=accounts)
        expected = count * per_account
        for servers in (1, 2):
            db = clone_database(template, f"{args.prefix}scaleout")
            running = []
            try:
                running = [OdooServer(db, args.port + index) for index in range(servers)]
                first = running[0]
                _profile, clicked = first.connect_profile(emulator)
                waited = wait_until(lambda first=first: count_done(first) >= expected, timeout=3600, interval=0.2)
                elapsed[servers] = time.monotonic() - clicked
                if waited is None:
                    raise SystemExit(f"scale-out with {servers} server(s): only {count_done(first)} of {expected}")
                time.sleep(1)  # anything duplicated would show now
                submissions = count_done(first)
                leads = first.call("crm.lead", "search_count", [("linkedin_submission_ids", "!=", False)])
                logs = first.call("linkedin.sync.log", "search_read", [("fetched_count", ">", 0)],
                                  ["worker", "account_id", "fetched_count"])  # fmt: skip
                pids = {server.process.pid: index + 1 for index, server in enumerate(running)}
                fetched, accounts_of = {}, {}
                for log in logs:
                    server = pids.get(int(log["worker"].rsplit(":", 1)[1]), "other")
                    fetched[server] = fetched.get(server, 0) + log["fetched_count"]
                    accounts_of.setdefault(server, set()).add(log["account_id"][0])
                print(f"# scale-out, {servers} server(s): {submissions} submissions ({leads} leads) of {expected} "
                      f"in {elapsed[servers]:.1f} s; fetched by server: {fetched}; accounts by server: "
                      f"{ {k: len(v) for k, v in accounts_of.items()} }", flush=True)  # fmt: skip
                exact = submissions == expected and leads == expected and sum(fetched.values()) == expected
                if servers == 2:
                    both = all(fetched.get(index) for index in (1, 2))
                    figure("scaleout_both_servers_work", "yes" if both else "no", "", "yes", both)
                    figure("scaleout_nothing_duplicated", "yes" if exact else "no", "", "yes", exact)
                elif not exact:
                    raise SystemExit(f"scale-out with one server: {submissions} submissions, {leads} leads")
            finally:
                for server in running:
                    server.stop()
                drop_database(db)
    finally:
        emulator.stop()
    speedup = elapsed[1] / elapsed[2]
    figure("scaleout_speedup_2_servers", f"{speedup:.2f}", "x one server", "report", True)
