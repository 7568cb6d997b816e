"""`harvest list`: the sources, one line each: id, name or URL, status."""

from __future__ import annotations

from harvest_desktop.cli._common import EXIT_OK

NAME = "list"


def register(sub) -> None:
    p = sub.add_parser(NAME, help="list the sources: id, name or URL, status")
    p.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.acquire.files import display_name

    sources = lib.sources.all()
    if not sources:
        print("The library is empty. Add files or URLs with `harvest add PATH_OR_URL`.")
        return EXIT_OK
    by_id = {s.id: s for s in sources}
    for s in sources:
        status = s.status
        if s.status == "duplicate" and s.duplicate_of in by_id:
            status += f" of #{s.duplicate_of} {by_id[s.duplicate_of].name}"
        elif s.similar_to in by_id and s.similarity is not None:
            status += f" (similar to #{s.similar_to} {by_id[s.similar_to].name}, {s.similarity:.0%} similar"
            status += "; kept both)" if s.similar_decision == "keep-both" else ")"
        if s.error:
            status += f": {s.error}"
        name = s.location if s.kind == "url" else s.name
        # One row per source whatever the name holds: tabs, newlines and bad bytes are shown escaped.
        print(f"{s.id}\t{display_name(name)}\t{display_name(status)}")
    return EXIT_OK
