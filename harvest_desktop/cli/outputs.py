"""`harvest outputs`: what has been generated, with the ids `harvest export` takes."""

from __future__ import annotations

from harvest_desktop.cli._common import EXIT_OK

NAME = "outputs"


def register(sub) -> None:
    o = sub.add_parser(NAME, help="list generated outputs (id, format, title, engine, date, file types)")
    o.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.export import extensions_for

    outs = lib.exports.outputs()
    if not outs:
        print("no outputs yet (make one with `harvest generate FORMAT -o FILE`)")
    for out in outs:
        title = " ".join((out.title or "").split())
        made = (out.created_at or "")[:16].replace("T", " ")
        print(f"#{out.id}\t{out.format}\t{title}\t{out.engine}\t{made}\t{' '.join(extensions_for(out.format))}")
    return EXIT_OK
