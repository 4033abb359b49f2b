# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Sizes and figures of the robustness suites (``test_suite_*.py``: crashes, unreliable LinkedIn, concurrency).

The README's test command runs the suites at their fast sizes; ``tests/run.py --long`` runs only them, at
their long sizes. Either way each suite reports its figures with :func:`report`, and the command prints
them after pytest's summary, one a line: ``<name>: <value> <unit> (target <target>) ok`` or ``MISS``.
A suite still asserts its figures: a ``MISS`` is also a failed test.
"""

import json
import os

SIZE_VARIABLE = "LINKEDIN_SUITE_SIZE"
FIGURES_VARIABLE = "LINKEDIN_FIGURES"


def is_long():
    """Whether the suites run at their long sizes (``tests/run.py --long``)."""
    return os.environ.get(SIZE_VARIABLE) == "long"


def size(fast, long):
    """``long`` under ``--long``, else ``fast``."""
    return long if is_long() else fast


def format_figure(name, value, unit, target, ok):
    return f"{name}: {value} {unit} (target {target}) {'ok' if ok else 'MISS'}"


def report(name, value, unit, target, ok):
    """Record one figure for the test command to print; returns its line (for an assertion message)."""
    path = os.environ.get(FIGURES_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as figures:
            figures.write(json.dumps([name, value, unit, target, bool(ok)]) + "\n")
    return format_figure(name, value, unit, target, ok)
