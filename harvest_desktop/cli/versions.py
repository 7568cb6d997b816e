"""`harvest versions`: every version of an output (made, edited, an item written again, restored),
and `--restore N` to make an earlier one current again (as a new version: nothing is lost)."""

from __future__ import annotations

from harvest_desktop.cli._common import EXIT_OK

NAME = "versions"


def register(sub) -> None:
    v = sub.add_parser(NAME, help="list an output's versions, or restore an earlier one")
    v.add_argument("output", type=int, metavar="OUTPUT", help="the output's id (see `harvest outputs`)")
    v.add_argument("--restore", type=int, metavar="N", help="make version N current again (a new version)")
    v.add_argument("--show", type=int, metavar="N", help="print version N as Markdown")
    v.set_defaults(run=run)


def run(lib, args) -> int:
    if args.restore is not None:
        lib.generation.restore(args.output, args.restore)
    versions = lib.generation.versions(args.output)
    if args.show is not None:
        found = next((v for v in versions if v.number == args.show), None)
        if found is None:
            from harvest_desktop.core.errors import KnownError

            raise KnownError(f"output #{args.output} has no version {args.show}",
                             hint=f"it has versions 1 to {versions[-1].number}" if versions else None)
        print(found.markdown, end="" if found.markdown.endswith("\n") else "\n")
        return EXIT_OK
    for v in versions:
        at = (v.created_at or "")[:16].replace("T", " ")
        current = "\t(current)" if v is versions[-1] else ""
        title = " ".join((v.title or "").split())
        print(f"{v.number}\t{at}\t{v.note}\t{title}\t{v.engine}{current}")
    return EXIT_OK
