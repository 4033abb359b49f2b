"""The LinkedIn emulator in a process of its own, for the benchmarks: a real HTTP server on 127.0.0.1.

``python benchmarks/emulator_process.py '<JSON of LinkedInEmulator keyword arguments>'`` prints the
emulator's URL on its first line, then answers one JSON command a line on stdin with one JSON line on
stdout: what LinkedIn saw (request counters, a segment's members, the responses' e-mail addresses) and
what LinkedIn does by itself (a new lead, a webhook delivery). It is ``python -m
odoo.addons.linkedin_leadgen.emulator`` with that control channel; no database is opened.
"""

import importlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load_emulator():
    """``odoo.addons.linkedin_leadgen.emulator`` with this checkout as the addons path (no database)."""
    import odoo.addons

    odoo.addons.__path__.append(ROOT)
    return importlib.import_module("odoo.addons.linkedin_leadgen.emulator")


class Control:
    """The commands of the control channel: ``{"op": "<name>", ...}`` calls ``op_<name>(...)``."""

    def __init__(self, emulator):
        self.emulator, self.marks, self.received = emulator, {}, {}

    def _segment(self, segment):
        return self.emulator.data.segments[str(segment)]

    def op_info(self):
        data = self.emulator.data
        return {"accounts": [a["id"] for a in data.accounts], "responses": len(data.responses)}

    def op_calls(self):
        with self.emulator.lock:
            return dict(self.emulator._calls)

    def op_requests(self, endpoint):
        """The request log of ``endpoint`` (path, query, status), oldest first."""
        return [
            {key: entry.get(key) for key in ("method", "path", "query", "status")}
            for entry in self.emulator.requests(endpoint, bodies=False)
        ]

    def op_segment_count(self, segment):
        with self.emulator.lock:
            found = self.emulator.data.segments.get(str(segment))
            return len(found["users"]) if found else 0

    def op_segment_mark(self, segment):
        """Remember the members and the number of requests now, for :meth:`op_segment_diff`."""
        with self.emulator.lock:
            self.marks[segment] = (self.emulator.segment_users(segment), len(self._segment(segment)["requests"]))
        self.received.pop(segment, None)
        return len(self.marks[segment][0])

    def op_segment_received(self, segment):
        """The ADD and REMOVE elements received since the mark (:meth:`op_segment_mark`): cheap enough to poll
        while the segment is being updated (each body is read once; the members are not compared)."""
        _before, first = self.marks[segment]
        counted = self.received.setdefault(segment, {"requests": first, "added": 0, "removed": 0})
        with self.emulator.lock:
            bodies = list(self._segment(segment)["requests"])[counted["requests"] :]
        _count_elements(bodies, counted)
        counted["requests"] += len(bodies)
        return {"added": counted["added"], "removed": counted["removed"]}

    def op_segment_diff(self, segment):
        """Members added and removed since the mark, and the ADD/REMOVE elements received since."""
        before, first = self.marks[segment]
        with self.emulator.lock:
            now = self.emulator.segment_users(segment)
            bodies = list(self._segment(segment)["requests"])[first:]
        sent = _count_elements(bodies, {"added": 0, "removed": 0})
        return {"added": len(now - before), "removed": len(before - now), "count": len(now), "sent": sent}

    def op_response_emails(self):
        with self.emulator.lock:
            data = self.emulator.data
            responses = [data.render_response(lead) for lead in data.leads.values()]
        return [_email(r) for r in responses]

    def op_issue_tokens(self):
        tokens = self.emulator.issue_tokens()
        return tokens if isinstance(tokens, dict) else vars(tokens)

    def op_add_response(self, **kw):
        return self.emulator.add_response(**kw)["id"]

    def op_add_responses(self, count, account_ids):
        """``count`` new leads spread over the published forms of ``account_ids`` (a backlog); how many
        of those accounts have one."""
        with self.emulator.lock:
            return self.emulator.data.add_leads(count, account_ids, self.emulator.now_ms())

    def op_add_accounts(self, count, form=0):
        """``count`` more ad accounts with a company page and a published form (like ``FORMS[form]``);
        their ids."""
        with self.emulator.lock:
            return self.emulator.data.add_accounts(count, form)

    def op_account_answers(self, account_id):
        """The answers to predefined questions of the responses of ``account_id``: ``[{field: text}]``."""
        with self.emulator.lock:
            data = self.emulator.data
            answers = []
            for lead in data.select(account_id, None, None, newest_first=False):
                questions = data.form_versions[(lead.form, lead.version)]["content"]["questions"]
                fields = {q["questionId"]: q.get("predefinedField") for q in questions}
                response = data.render_response(lead)
                answers.append({
                    fields[a["questionId"]]: a["answerDetails"]["textQuestionAnswer"]["answer"]
                    for a in response["formResponse"]["answers"]
                    if fields.get(a["questionId"]) and "textQuestionAnswer" in a["answerDetails"]
                })  # fmt: skip
        return answers

    def op_deliver_webhook(self, response_id):
        return self.emulator.deliver_webhook(response_id)


def main():
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    emulator = _load_emulator().LinkedInEmulator(**options)
    control = Control(emulator)
    with emulator:
        sys.stdout.write(emulator.url + "\n")
        sys.stdout.flush()
        for line in sys.stdin:
            command = json.loads(line)
            try:
                answer = {"ok": getattr(control, "op_" + command.pop("op"))(**command)}
            except Exception as exc:  # noqa: BLE001 - the benchmark shows it
                answer = {"error": f"{exc.__class__.__name__}: {exc}"}
            sys.stdout.write(json.dumps(answer, default=str) + "\n")
            sys.stdout.flush()


def _count_elements(bodies, counts):
    """Add the ADD and REMOVE elements of the request ``bodies`` to ``counts`` ("added", "removed")."""
    for body in bodies:
        for element in ((body.value() if body is not None else None) or {}).get("elements", []):
            counts["added" if element["action"] == "ADD" else "removed"] += 1
    return counts


def _email(response):
    for answer in response.get("formResponse", {}).get("answers", []):
        value = (answer.get("answerDetails") or {}).get("textQuestionAnswer", {}).get("answer", "")
        if "@" in str(value):
            return value
    return None


if __name__ == "__main__":
    main()
