"""`harvest`: the headless front end over the same core, for batch work and scripts.

Exit codes: 0 all went well, 1 some items failed (the rest were done), 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Sequence

from harvest_desktop import __version__

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors; keep that, say how
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="harvest", description="Harvest: turn documents and web pages into cited study material.")
    p.add_argument("--version", action="version", version=f"harvest {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    a = sub.add_parser("add", help="harvest files, folders or URLs into the library")
    a.add_argument("items", nargs="+", metavar="PATH_OR_URL")
    a.add_argument("--type", dest="types", action="append", metavar="EXT",
                   help="only files with this extension when adding folders (repeatable, e.g. --type pdf)")
    a.add_argument("--urls-from", metavar="FILE", help="also add the URLs listed in FILE (one per line)")
    a.add_argument("--section", action="store_true",
                   help="for each URL, also harvest the same-site pages it links to (one level down)")

    sub.add_parser("list", help="list the sources: id, name or URL, status")

    s = sub.add_parser("show", help="print a source's attribution and extracted text")
    s.add_argument("source", metavar="SOURCE", help="id, file name or URL")

    r = sub.add_parser("remove", help="remove a source from the library")
    r.add_argument("source", metavar="SOURCE")

    g = sub.add_parser("generate", help="generate a format from the library and write it")
    g.add_argument("format", metavar="FORMAT", help="study-guide, quiz, flashcards, briefing or faq")
    g.add_argument("-o", "--output", required=True, metavar="OUT", help="output file; its extension picks the writer")
    g.add_argument("--engine", default="builtin", help="builtin (default)")
    g.add_argument("--source", dest="sources", action="append", metavar="SOURCE",
                   help="limit to these sources (repeatable); default: all ready sources")
    g.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    g.add_argument("--count", type=int, metavar="N", help="how many questions, cards, points or FAQ items")
    g.add_argument("--types", metavar="TYPES", help="quiz question types, e.g. mcq,tf,cloze,matching")
    g.add_argument("--chapter", dest="chapters", action="append", metavar="CHAPTER",
                   help="only this chapter, by number or title (repeatable)")

    k = sub.add_parser("ask", help="answer a question from the sources, with citations")
    k.add_argument("question")
    k.add_argument("--source", dest="sources", action="append", metavar="SOURCE",
                   help="ask only these sources (repeatable); default: all ready sources")
    k.add_argument("--engine", default="builtin", help="builtin (default)")

    c = sub.add_parser("concepts", help="print the key concepts with definitions and citations")
    c.add_argument("--limit", type=int, default=20)
    c.add_argument("--map", metavar="OUT", help="write the concept map to OUT.png or OUT.svg")

    q = sub.add_parser("search", help="search the library for passages")
    q.add_argument("query")
    q.add_argument("--limit", type=int, default=10)

    sub.add_parser("formats", help="list the formats and what can make them")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if getattr(args, "limit", 1) is not None and getattr(args, "limit", 1) < 1:
        parser.error("--limit must be at least 1")
    from harvest_desktop.core.errors import Cancelled, KnownError

    from harvest_desktop.core.logging_setup import setup_logging

    setup_logging()
    from harvest_desktop.library import Library

    try:
        lib = Library()
    except KnownError as exc:
        print(f"harvest: {exc}", file=sys.stderr)
        return EXIT_PARTIAL
    try:
        return COMMANDS[args.command](lib, args)
    except KnownError as exc:
        print(f"harvest: {exc}", file=sys.stderr)
        return EXIT_PARTIAL if not isinstance(exc, _UsageError) else EXIT_USAGE
    except (Cancelled, KeyboardInterrupt):
        print("harvest: cancelled", file=sys.stderr)
        return 130
    finally:
        lib.close()


class _UsageError(Exception):
    pass


def _progress_printer():
    from harvest_desktop.core.progress import Progress

    interactive = sys.stderr.isatty()

    def show(p: Progress) -> None:
        if interactive and p.total:
            sys.stderr.write(f"\r[{p.done}/{p.total}] {p.message[:70]:<70}")
            sys.stderr.flush()
            if p.done >= p.total:
                sys.stderr.write("\n")

    return show


def _cancel_on_sigint():
    from harvest_desktop.core.cancel import CancelToken

    token = CancelToken()

    def handler(_signum, _frame):
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()
        print("\nharvest: cancelling (press Ctrl+C again to stop at once)", file=sys.stderr)

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        pass
    return token


def cmd_add(lib, args) -> int:
    from harvest_desktop.core.errors import Cancelled

    items = list(args.items)
    if args.urls_from:
        try:
            text = Path(args.urls_from).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            print(f"harvest: {args.urls_from}: cannot read the URL list ({exc.strerror})", file=sys.stderr)
            return EXIT_PARTIAL
        items += [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if args.types:
        types = {("." + t.lower().lstrip(".")) for t in args.types}
        items = _filter_types(items, types)
    token = _cancel_on_sigint()
    section_problems = []
    if args.section:
        items, section_problems = _expand_sections(lib, items, token)
    queued, problems = lib.enqueue(items)
    problems = section_problems + problems
    for r in problems:
        print(r.line())
    try:
        results = lib.harvest_sync([s.id for s in queued], cancel=token, progress=_progress_printer())
    except Cancelled:
        print("harvest: cancelled; unfinished items stay queued and resume on the next `harvest add`",
              file=sys.stderr)
        return 130
    for r in results:
        print(r.line())
    failed = any(not r.ok for r in list(problems) + list(results))
    return EXIT_PARTIAL if failed else EXIT_OK


def _expand_sections(lib, items: list[str], token):
    import asyncio

    async def expand():
        try:
            return await lib.expand_sections(items, token)
        finally:
            await lib.aclose()

    return asyncio.run(expand())


def _filter_types(items: list[str], types: set[str]) -> list[str]:
    out = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            out += [str(f) for f in sorted(path.rglob("*")) if f.is_file() and f.suffix.lower() in types]
        else:
            out.append(item)
    return out


def cmd_list(lib, args) -> int:
    sources = lib.sources()
    if not sources:
        print("The library is empty. Add files or URLs with `harvest add PATH_OR_URL`.")
        return EXIT_OK
    by_id = {s.id: s for s in sources}
    for s in sources:
        status = s.status
        if s.status == "duplicate" and s.duplicate_of in by_id:
            status += f" of #{s.duplicate_of} {by_id[s.duplicate_of].name}"
        elif s.similar_to in by_id and s.similarity is not None:
            status += f" (similar to #{s.similar_to} {by_id[s.similar_to].name}, {s.similarity:.0%} similar)"
        if s.error:
            status += f": {s.error}"
        print(f"{s.id}\t{s.location if s.kind == 'url' else s.name}\t{status}")
    return EXIT_OK


def _find(lib, ref: str):
    from harvest_desktop.core.errors import KnownError

    src = lib.find_source(ref)
    if src is None:
        raise KnownError(f"no source matches '{ref}'", hint="`harvest list` shows ids, names and URLs")
    return src


def cmd_show(lib, args) -> int:
    src = _find(lib, args.source)
    fields = [("id", src.id), ("name", src.name), ("location", src.location), ("status", src.status),
              ("error", src.error), ("title", src.title), ("author", src.author), ("site", src.site),
              ("published", src.published), ("license", src.license), ("final url", src.final_url),
              ("fetched at", src.fetched_at), ("type", src.mime), ("pages", src.pages)]
    for key, value in fields:
        if value not in (None, ""):
            print(f"{key}: {value}")
    doc = lib.document(src.id)
    print()
    if doc is None:
        print("(no extracted text: the source is not harvested)")
        return EXIT_OK if src.status != "failed" else EXIT_PARTIAL
    print(doc.readable_text())
    return EXIT_OK


def cmd_remove(lib, args) -> int:
    src = _find(lib, args.source)
    lib.remove(src.id)
    print(f"removed #{src.id} {src.name}")
    return EXIT_OK


def cmd_generate(lib, args) -> int:
    from harvest_desktop.export import SUPPORTED_EXTENSIONS

    out_path = Path(args.output)
    if out_path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        print(f"harvest: {out_path.name}: cannot write '{out_path.suffix or 'no extension'}' files "
              f"(use one of: {', '.join(SUPPORTED_EXTENSIONS)})", file=sys.stderr)
        return EXIT_USAGE
    if out_path.exists() and not args.force:
        print(f"harvest: {out_path}: the file already exists and was left untouched "
              "(choose another name, or pass --force)", file=sys.stderr)
        return EXIT_PARTIAL
    from harvest_desktop.formats import registry

    try:
        registry.get_format(args.format)
    except Exception as exc:
        print(f"harvest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ids = [_find(lib, ref).id for ref in args.sources] if args.sources else None
    token = _cancel_on_sigint()
    if args.count is not None and args.count < 1:
        print("harvest: --count must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    out = lib.generate(args.format, engine=args.engine, source_ids=ids, cancel=token,
                       progress=_progress_printer(), count=args.count, types=args.types, chapters=args.chapters)
    written = lib.export(out.id, out_path, overwrite=args.force)
    print(f"wrote {written} ({out.title}; engine: {out.engine})")
    return EXIT_OK


def cmd_ask(lib, args) -> int:
    from harvest_desktop.formats.answer import render_text

    if args.engine != "builtin":
        print(f"harvest: the engine '{args.engine}' is not available yet (use --engine builtin)", file=sys.stderr)
        return EXIT_USAGE
    ids = [_find(lib, ref).id for ref in args.sources] if args.sources else None
    answer = lib.ask(args.question, source_ids=ids, cancel=_cancel_on_sigint())
    print(render_text(answer))
    return EXIT_OK


def cmd_concepts(lib, args) -> int:
    from harvest_desktop.formats.registry import to_passages
    from harvest_desktop.understand.concepts import extract_concepts

    passages = to_passages(lib.chunks(), {s.id: s for s in lib.sources()})
    if not passages:
        print("harvest: the library has no harvested text yet (add sources with `harvest add`)", file=sys.stderr)
        return EXIT_PARTIAL
    concepts = extract_concepts(passages, limit=args.limit)
    for n, c in enumerate(concepts, 1):
        line = f"{n}. {c.term}"
        if c.definition:
            line += f": {c.definition} {c.citation.cite() if c.citation else ''}"
        print(line.rstrip())
    if args.map:
        target = Path(args.map)
        try:
            from harvest_desktop.understand import concept_map
            from harvest_desktop.understand.concepts import extract_relations  # type: ignore[attr-defined]
        except ImportError:
            print("harvest: the concept map is not available in this build", file=sys.stderr)
            return EXIT_PARTIAL
        relations = extract_relations(passages, concepts)
        if target.suffix.lower() == ".svg":
            concept_map.render_svg(concepts, relations, target)
        elif target.suffix.lower() == ".png":
            concept_map.render_png(concepts, relations, target)
        else:
            print(f"harvest: {target.name}: the map is written as .png or .svg", file=sys.stderr)
            return EXIT_USAGE
        print(f"wrote {target}")
    return EXIT_OK


def cmd_search(lib, args) -> int:
    hits = lib.index.search(args.query, limit=args.limit)
    if not hits:
        print("no matching passages")
        return EXIT_OK
    for n, h in enumerate(hits, 1):
        where = h.source_name + (f", p. {h.page}" if h.page else "") + (f", § {h.heading_path}" if h.heading_path else "")
        text = " ".join(h.text.split())
        print(f"{n}. [{where}] ({h.score:.2f})\n   {text[:400]}{'…' if len(text) > 400 else ''}")
    return EXIT_OK


def cmd_formats(lib, args) -> int:
    from harvest_desktop.formats.registry import FORMATS, route_description

    for spec in FORMATS:
        print(f"{spec.key}\t{spec.label}\t{route_description(spec)}")
    return EXIT_OK


COMMANDS = {"add": cmd_add, "list": cmd_list, "show": cmd_show, "remove": cmd_remove, "generate": cmd_generate,
            "ask": cmd_ask, "concepts": cmd_concepts, "search": cmd_search, "formats": cmd_formats}


if __name__ == "__main__":
    sys.exit(main())
