"""`harvest show`: a source's attribution and extracted text."""

from __future__ import annotations

from harvest_desktop.cli._common import EXIT_OK, EXIT_PARTIAL, find_source

NAME = "show"


def register(sub) -> None:
    s = sub.add_parser(NAME, help="print a source's attribution and extracted text")
    s.add_argument("source", metavar="SOURCE", help="id, file name or URL")
    s.set_defaults(run=run)


def run(lib, args) -> int:
    src = find_source(lib, args.source)
    fields = [("id", src.id), ("name", src.name), ("location", src.location), ("status", src.status),
              ("error", src.error), ("title", src.title), ("author", src.author), ("site", src.site),
              ("published", src.published), ("license", src.license), ("final url", src.final_url),
              ("fetched at", src.fetched_at), ("type", src.mime), ("pages", src.pages)]
    from harvest_desktop.acquire.files import display_name

    for key, value in fields:
        if value not in (None, ""):
            print(f"{key}: {display_name(str(value))}")  # one line per field, whatever a name holds
    doc = lib.sources.document(src.id)
    print()
    if doc is None:
        print("(no extracted text: the source is not harvested)")
        return EXIT_OK if src.status != "failed" else EXIT_PARTIAL
    print(doc.readable_text())
    return EXIT_OK
