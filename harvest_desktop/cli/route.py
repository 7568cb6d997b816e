"""`harvest route FORMAT`: the route, the reason and the estimate, without generating anything."""

from __future__ import annotations

from harvest_desktop.cli._common import EXIT_OK, find_source

NAME = "route"
PREFER = ("cost", "balanced", "quality", "local", "offline")


def add_engine_options(p) -> None:
    p.add_argument("--engine", default="auto", metavar="ENGINE",
                   help="auto (the router decides), builtin, ollama[:MODEL], openai[:MODEL], anthropic[:MODEL], "
                        "gemini[:MODEL], or an endpoint NAME[:MODEL] from `harvest keys add-endpoint`")
    p.add_argument("--prefer", default=None, choices=PREFER,
                   help="what matters most when the router decides (default: balanced)")


def register(sub) -> None:
    r = sub.add_parser(NAME, help="show which route would make FORMAT, why, and what it would cost")
    r.add_argument("format", metavar="FORMAT")
    add_engine_options(r)
    r.add_argument("--source", dest="sources", action="append", metavar="SOURCE",
                   help="limit to these sources (repeatable)")
    r.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.ai.cost import money

    ids = [find_source(lib, ref).id for ref in args.sources] if args.sources else None
    plan = lib.generation.route(args.format, engine=args.engine, prefer=args.prefer or "balanced", source_ids=ids)
    print(f"route: {plan.primary.label}")
    print(f"reason: {plan.reason}")
    est = plan.primary.estimate
    print(f"estimate: {est.describe() if est else 'none'}")
    if len(plan.routes) > 1:
        print(f"fallbacks: {' → '.join(r.label for r in plan.routes[1:])}")
    for note in plan.skipped:
        print(f"skipped: {note}")
    if plan.budget is not None:
        b = plan.budget
        print(f"budget: {money(b.left)} of {money(b.monthly_usd)} left this month; at most "
              f"{money(b.per_generation_usd)} per generation")
    return EXIT_OK
