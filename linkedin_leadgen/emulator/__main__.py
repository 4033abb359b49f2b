"""Run the emulator: ``python -m odoo.addons.linkedin_leadgen.emulator --port 8900 --responses 10000 --consent``."""

import argparse
import inspect
import logging
import sys
import threading

from .emulator import LinkedInEmulator
from .faults import FAULTS

_DEFAULTS = {name: p.default for name, p in inspect.signature(LinkedInEmulator).parameters.items()}


def _fault(value):
    parts = value.split(":")
    if len(parts) not in (2, 3) or parts[1] not in FAULTS:
        raise argparse.ArgumentTypeError(f"expected ENDPOINT:FAULT[:TIMES] with FAULT in {', '.join(FAULTS)}")
    return parts[0], parts[1], int(parts[2]) if len(parts) == 3 else 1


def _say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m odoo.addons.linkedin_leadgen.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--client-id", default="emu-client")
    parser.add_argument("--client-secret", default="emu-secret")
    parser.add_argument("--responses", type=int, default=50, help="number of generated lead form responses")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-cap", type=int, default=100, help="largest count accepted by leadFormResponses")
    parser.add_argument("--not-found-window", type=float, default=_DEFAULTS["dmp_not_found_window"], metavar="SECONDS",
                        help="seconds /users of a new DMP segment answers 404 (default: %(default)s)")  # fmt: skip
    parser.add_argument("--segment-delay", type=float, default=_DEFAULTS["segment_delay"], metavar="SECONDS",
                        help="seconds a DMP segment stays BUILDING or UPDATING (default: %(default)s)")  # fmt: skip
    parser.add_argument("--fault", type=_fault, action="append", default=[], metavar="ENDPOINT:FAULT[:TIMES]",
                        help="inject a fault; repeatable; ENDPOINT '*' means any")  # fmt: skip
    parser.add_argument("--consent", action="store_true",
                        help="show an Allow / Cancel page when authorizing (default: approve at once)")  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s")
    emu = LinkedInEmulator(client_id=args.client_id, client_secret=args.client_secret, responses=args.responses,
                           seed=args.seed, page_cap=args.page_cap, host=args.host, port=args.port,
                           dmp_not_found_window=args.not_found_window, segment_delay=args.segment_delay,
                           consent=args.consent)  # fmt: skip
    for endpoint, fault, times in args.fault:
        emu.inject(endpoint, fault, times=times)
    with emu:
        _say(f"LinkedIn emulator on {emu.url}  (REST {emu.api_url}, OAuth {emu.oauth_url})")
        _say(f"client id: {emu.client_id}  client secret: {emu.client_secret}")
        for account in emu.data.accounts:
            page = "company page" if account["has_page"] else "no company page"
            _say(f"ad account {account['id']}: {account['name']} ({account['role']}, {page}, {account['status']})")
        _say(f"{len(emu.data.responses)} lead form responses; Ctrl-C to stop")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            _say("stopped")


if __name__ == "__main__":
    main()
