"""`harvest generate`: make a format from the library (or some of its sources) and write it."""

from __future__ import annotations

import sys
from pathlib import Path

from harvest_desktop.cli._common import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, cancel_on_sigint, progress_printer

NAME = "generate"


def register(sub) -> None:
    g = sub.add_parser(NAME, help="generate a format from the library and write it")
    g.add_argument("format", metavar="FORMAT", help="study-guide, quiz, flashcards, briefing, faq, blog-post or video-script")
    g.add_argument("-o", "--output", required=True, metavar="OUT", help="output file; its extension picks the writer")
    from harvest_desktop.cli.route import add_engine_options

    add_engine_options(g)
    g.add_argument("--fresh", action="store_true", help="do not use a cached answer; ask the model again")
    g.add_argument("--source", dest="sources", action="append", metavar="SOURCE",
                   help="limit to these sources (repeatable); default: all ready sources")
    g.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    g.add_argument("--count", type=int, metavar="N", help="how many questions, cards, points or FAQ items")
    g.add_argument("--types", metavar="TYPES", help="quiz question types, e.g. mcq,tf,cloze,matching")
    g.add_argument("--difficulty", choices=("easy", "medium", "hard"),
                   help="quiz and flashcards written by a model: how hard")
    g.add_argument("--length", choices=("short", "medium", "long"), help="study guide or blog post by a model: how long")
    g.add_argument("--tone", metavar="TONE", help="blog post or video script by a model, e.g. friendly, formal, playful")
    g.add_argument("--reading-level", dest="reading_level", metavar="LEVEL",
                   help="blog post by a model, e.g. general, beginner, expert")
    g.add_argument("--runtime", type=float, metavar="SECONDS", help="video script: the total runtime to aim for")
    g.add_argument("--question", metavar="TEXT", help="answer: the question to answer from the sources")
    g.add_argument("--chapter", dest="chapters", action="append", metavar="CHAPTER",
                   help="only this chapter, by number or title (repeatable)")
    g.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.export import extensions_for

    out_path = Path(args.output)
    allowed = extensions_for(args.format)
    if out_path.suffix.lower() not in allowed:
        print(f"harvest: {out_path.name}: a {args.format} cannot be written as "
              f"'{out_path.suffix or 'no extension'}' (use one of: {', '.join(allowed)})", file=sys.stderr)
        return EXIT_USAGE
    if out_path.exists() and not args.force and not out_path.is_symlink():
        print(f"harvest: {out_path}: the file already exists and was left untouched "
              "(choose another name, or pass --force)", file=sys.stderr)
        return EXIT_PARTIAL
    from harvest_desktop.formats import registry

    try:
        registry.get_format(args.format)
    except Exception as exc:
        print(f"harvest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ids = lib.sources.resolve(args.sources) if args.sources else None
    token = cancel_on_sigint()
    if args.count is not None and args.count < 1:
        print("harvest: --count must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    if args.runtime is not None and not 10 <= args.runtime <= 3600:
        print("harvest: --runtime is in seconds, from 10 to 3600", file=sys.stderr)
        return EXIT_USAGE
    # The file is written before the output is stored: a failed export leaves no file and no row.
    made = lib.generation.generate(args.format, engine=args.engine, source_ids=ids, cancel=token,
                                   progress=progress_printer(), export_to=out_path, overwrite=args.force,
                                   count=args.count, types=args.types, chapters=args.chapters,
                                   prefer=args.prefer, fresh=args.fresh, difficulty=args.difficulty,
                                   length=args.length, tone=args.tone, reading_level=args.reading_level,
                                   runtime=args.runtime, question=args.question)
    out, written = made.output, made.written
    print(f"wrote {written} ({out.title}; engine: {out.engine})")
    if out.route_reason:
        print(f"route: {out.route_reason}")
    _print_grounding(out)
    return EXIT_OK


def _print_grounding(out) -> None:
    """The grounding validator's score for this output: what was checked, kept, dropped, flagged."""
    import json

    g = json.loads(out.content_json or "{}").get("grounding") or {}
    if g.get("checked"):
        score = f", mean grounding {g['score']:.2f}" if g.get("score") is not None else ""
        print(f"grounding: {g['passed']}/{g['checked']} items passed{score}; {g['dropped']} dropped, "
              f"{g['flagged']} flagged")
        for line in g.get("problems", [])[:5]:
            print(f"  {line}")
