"""`harvest usage [--since DATE] [--csv OUT]`: the gateway's ledger: what ran, what it cost, how fast."""

from __future__ import annotations

import sys
from pathlib import Path

from harvest_desktop.cli._common import EXIT_OK, EXIT_USAGE

NAME = "usage"


def register(sub) -> None:
    u = sub.add_parser(NAME, help="the usage ledger: route, model, tokens, estimated and actual cost, latency")
    u.add_argument("--since", metavar="DATE", help="only from this day on (YYYY-MM-DD)")
    u.add_argument("--csv", metavar="OUT", help="also write the ledger to OUT as CSV")
    u.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.ai import ledger
    from harvest_desktop.ai.cost import money

    since = None
    if args.since:
        since = ledger.parse_since(args.since)
        if since is None:
            print(f"harvest: --since {args.since}: not a date (use YYYY-MM-DD)", file=sys.stderr)
            return EXIT_USAGE
    rows = ledger.rows(lib.db, since)
    if not rows:
        print("no usage recorded" + (f" since {args.since}" if args.since else ""))
    for r in rows:
        print(ledger.line(r))
    s = ledger.summary(rows)
    if rows:
        print(f"total: {s.requests} request(s), {s.cached} cached ({s.cache_rate:.0%}), spent {money(s.spent)}, "
              f"estimated {money(s.estimated)}"
              + (f", estimate error {s.estimate_error:+.0%} (input tokens {s.token_error:+.1%})"
                 if s.estimate_error is not None else "")
              + (f", median latency {s.median_latency_ms:.0f} ms" if s.median_latency_ms is not None else ""))
    if args.csv:
        path = ledger.write_csv(rows, Path(args.csv))
        print(f"wrote {path}")
    return EXIT_OK
