"""`harvest search`: the passages that best answer a query."""

from __future__ import annotations

from harvest_desktop.cli._common import EXIT_OK

NAME = "search"


def register(sub) -> None:
    q = sub.add_parser(NAME, help="search the library for passages")
    q.add_argument("query")
    q.add_argument("--limit", type=int, default=10)
    q.set_defaults(run=run)


def run(lib, args) -> int:
    hits = lib.search.passages(args.query, limit=args.limit)
    if not hits:
        print("no matching passages")
        return EXIT_OK
    for n, h in enumerate(hits, 1):
        where = h.source_name + (f", p. {h.page}" if h.page else "") + (f", § {h.heading_path}" if h.heading_path else "")
        text = " ".join(h.text.split())
        print(f"{n}. [{where}] ({h.score:.2f})\n   {text[:400]}{'…' if len(text) > 400 else ''}")
    return EXIT_OK
