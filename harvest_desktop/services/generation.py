"""Generation: make a format from the chosen sources (all ready ones by default) and store it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError
from harvest_desktop.core.progress import ProgressFn, no_progress
from harvest_desktop.services.changes import Changes
from harvest_desktop.services.context import ServiceContext
from harvest_desktop.services.sources import now_iso
from harvest_desktop.store import models as m
from harvest_desktop.store.repositories import OutputRepository


@dataclass
class Generated:
    output: m.Output
    changes: Changes = field(default_factory=Changes)
    written: Path | None = None  # the exported file, when generate() was asked to write one


class GenerationService:
    def __init__(self, ctx: ServiceContext, sources) -> None:
        self._ctx = ctx
        self._sources = sources
        self._analyses: dict = {}
        self._outputs = OutputRepository(ctx.db)

    def outputs(self) -> list[m.Output]:
        """Every stored output, newest first."""
        return self._outputs.all()

    def output(self, output_id: int) -> m.Output | None:
        return self._outputs.get(output_id)

    def analysis(self, source_id: int, cancel: CancelToken = NEVER):
        """The source's SourceAnalysis: the one stored at harvest time, else made once from its
        stored document (and stored, so the next run reads it)."""
        from harvest_desktop.understand.analysis import stored_or_new

        src = self._sources.get(source_id)
        key = (source_id, src.content_hash if src is not None else None)
        if key not in self._analyses:
            found = stored_or_new(self._ctx.db, source_id, key[1], lambda: self._sources.document(source_id),
                                  cancel)
            if found is None:
                return None
            self._analyses[key] = found
        return self._analyses[key]

    def _generation_input(self, source_ids: Sequence[int] | None, cancel: CancelToken):
        from harvest_desktop.formats import registry

        chunks = self._sources.chunks(source_ids)
        if not chunks:
            if source_ids is not None:
                raise KnownError("none of the chosen sources has harvested text",
                                 hint="choose ready sources, or wait until they are harvested")
            raise KnownError("the library has no harvested text yet",
                             hint="add files or URLs first and wait until they are ready")
        meta = {s.id: s for s in self._sources.all()}
        passages = registry.to_passages(chunks, meta)
        # Generation never feeds the same passage twice: near-duplicates go, by their stored vectors.
        passages = self._ctx.index.dedup_passages(passages)
        analyses = {}
        for sid in sorted({p.source_id for p in passages}):
            a = self.analysis(sid, cancel)
            if a is not None:
                analyses[sid] = a
        return chunks, passages, analyses, meta

    def generate(self, fmt: str, *, engine: str = "builtin", source_ids: Sequence[int] | None = None,
                 cancel: CancelToken = NEVER, progress: ProgressFn = no_progress,
                 export_to: Path | None = None, overwrite: bool = False, **options) -> Generated:
        """Run the format over the ready sources in `source_ids` (None: all of them) and store the output.

        options: count, types (mcq,tf,cloze,matching), chapters (numbers or titles). With export_to the
        target is checked before any work and written before the row is stored: a failed export
        leaves neither a file nor a row."""
        from harvest_desktop.services import routing as compose
        from harvest_desktop.formats import registry
        from harvest_desktop.formats.blog_post import source_meta

        spec = registry.get_format(fmt)
        ai = compose.Options(engine=engine or "auto", prefer=options.pop("prefer", None) or "balanced",
                             fresh=bool(options.pop("fresh", False)), depth=options.pop("depth", None) or "normal",
                             topic=options.pop("topic", None) or "")
        ai.gen = self.gen_options(options)
        on_text = options.pop("on_text", None)
        if export_to is not None:
            from harvest_desktop.export import check_target

            check_target(Path(export_to), overwrite=overwrite)
        chunks, passages, analyses, meta = self._generation_input(source_ids, cancel)
        builtin_options = {k: v for k, v in options.items() if v and k in ("count", "types", "chapters")}
        # Every generation goes through the gateway: it routes (the built-in engine is one route),
        # estimates, caches, retries, falls back and records usage.
        result = compose.generate(
            self.gateway(), spec, passages, {sid: source_meta(src) for sid, src in meta.items()}, ai,
            cancel=cancel, progress=progress, on_text=on_text,
            run_builtin=lambda: registry.run(spec, registry.BUILTIN, passages, cancel=cancel, progress=progress,
                                             analyses=analyses, meta=meta, **builtin_options))
        cancel.check()  # a cancel pressed while the last step ran still means "keep nothing"
        out = m.Output(format=spec.key, title=result.title, engine=result.engine,
                       route_reason=result.route_reason, created_at=now_iso(),
                       content_json=json.dumps(result.content), markdown=result.markdown,
                       source_ids=json.dumps(sorted({c.source_id for c in chunks})))
        written: Path | None = None
        if export_to is not None:
            existed = Path(export_to).exists()
            written = self._write_first(out, export_to, overwrite)
        try:
            self._outputs.add(out)
        except BaseException:
            if written is not None and not existed:  # the row could not be stored: no file either
                written.unlink(missing_ok=True)
            raise
        assert out.id is not None
        return Generated(out, self._ctx.publish(Changes(outputs_added={out.id}, usage=True)), written)

    def regenerate_item(self, output_id: int, index: int, *, engine: str = "auto", prefer: str | None = None,
                        cancel: CancelToken = NEVER, progress: ProgressFn = no_progress, on_text=None,
                        **options) -> Generated:
        """Write one item of a stored output again with a model (index from 0 in `items(output_id)`:
        a question, card, point, scene, FAQ entry, study-guide part or blog-post section). The result
        is the output's new version; every earlier version is kept (`versions`)."""
        from harvest_desktop.formats import registry
        from harvest_desktop.services import routing as compose

        old = self._existing(output_id)
        spec = registry.get_format(old.format)
        ids = json.loads(old.source_ids or "[]") or None
        _chunks, passages, _a, _meta = self._generation_input(ids, cancel)
        ai = compose.Options(engine=engine or "auto", prefer=prefer or "balanced", fresh=True,
                             gen=self.gen_options(options))
        result = compose.regenerate_item(self.gateway(), spec, passages, json.loads(old.content_json or "{}"),
                                         index, ai, cancel=cancel, progress=progress, on_text=on_text)
        cancel.check()
        label = compose.item_labels(spec.key, json.loads(old.content_json or "{}"))[index].split(":")[0]
        return self._new_version(output_id, {"title": result.title, "engine": result.engine,
                                             "route_reason": result.route_reason,
                                             "content_json": json.dumps(result.content),
                                             "markdown": result.markdown},
                                 f"{label} written again", usage=True)

    def items(self, output_id: int) -> list[str]:
        """The items of an output that can be written again one by one, labelled as the person sees them."""
        from harvest_desktop.services import routing as compose

        out = self._existing(output_id)
        return compose.item_labels(out.format, json.loads(out.content_json or "{}"))

    # -- versions and edits ------------------------------------------------------------------------
    def versions(self, output_id: int) -> list[m.OutputVersion]:
        """Every version of the output, oldest first; the last one is current."""
        self._existing(output_id)
        return self._outputs.versions(output_id)

    def edit_fields(self, output_id: int):  # -> list[formats.editing.EditField]
        """The texts of the output a person may change, in reading order."""
        from harvest_desktop.formats import editing

        return editing.fields(json.loads(self._existing(output_id).content_json or "{}"))

    def edit(self, output_id: int, edits: dict) -> Generated:
        """The person's changes ({field path: new text}, paths from `edit_fields`) made on the structured
        content, which every exporter reads, and stored as a new version (the old one kept)."""
        from harvest_desktop.formats import editing

        out = self._existing(output_id)
        content, changed = editing.apply(json.loads(out.content_json or "{}"), edits)
        if not changed:
            return Generated(out)
        n = "1 text" if changed == 1 else f"{changed} texts"
        return self._new_version(output_id, {"title": str(content.get("title") or out.title),
                                             "content_json": json.dumps(content),
                                             "markdown": self._markdown(out.format, content, out.markdown)},
                                 f"edited by you ({n})")

    def restore(self, output_id: int, number: int) -> Generated:
        """Make an earlier version current again, as a new version (nothing is lost, not even the one
        it replaces)."""
        versions = self.versions(output_id)
        found = next((v for v in versions if v.number == number), None)
        if found is None:
            raise KnownError(f"output #{output_id} has no version {number}",
                             hint=f"it has versions 1 to {versions[-1].number}" if versions else None)
        if found is versions[-1]:
            return Generated(self._existing(output_id))
        return self._new_version(output_id, {"title": found.title, "engine": found.engine,
                                             "route_reason": found.route_reason,
                                             "content_json": found.content_json, "markdown": found.markdown},
                                 f"version {number} restored")

    def _existing(self, output_id: int) -> m.Output:
        out = self._outputs.get(output_id)
        if out is None:
            raise KnownError(f"there is no output #{output_id}", hint="see `harvest outputs`")
        return out

    def _new_version(self, output_id: int, fields: dict, note: str, usage: bool = False) -> Generated:
        made = self._outputs.new_version(output_id, fields, note, at=now_iso())
        if made is None:
            raise KnownError(f"output #{output_id} was removed meanwhile", hint="see `harvest outputs`")
        out, _version = made
        return Generated(out, self._ctx.publish(Changes(outputs_changed={output_id}, usage=usage)))

    @staticmethod
    def _markdown(fmt: str, content: dict, fallback: str) -> str:
        """The Markdown of edited content, written the way the format writes it."""
        from harvest_desktop.formats.generative import format_for
        from harvest_desktop.formats.generative.base import GenOptions
        from harvest_desktop.formats.schema import content_from_dict

        maker = format_for(fmt, GenOptions())
        if maker is None:
            return fallback
        return maker.markdown(content_from_dict({**content, "kind": content.get("kind") or fmt}))

    def gen_options(self, options: dict):  # -> formats.generative.base.GenOptions
        """What a model is asked to write: the CLI's/window's choices, the output language from settings."""
        from harvest_desktop.formats.generative.base import GenOptions

        types = options.get("types") or ()
        if isinstance(types, str):
            types = tuple(t.strip().lower() for t in types.split(",") if t.strip())
        g = GenOptions(count=options.get("count"), types=tuple(types),
                       language=getattr(self._ctx.settings, "output_language", "") or "en")
        for name in ("difficulty", "length", "tone", "reading_level", "question"):
            if options.get(name):
                setattr(g, name, str(options[name]))
        if options.get("chapters"):
            g.chapters = tuple(str(c) for c in options["chapters"])
        if options.get("runtime"):
            g.runtime_s = float(options["runtime"])
        return g

    def gateway(self):  # -> ai.gateway.Gateway
        """The AI gateway (router, cache, budget, ledger) over this library's database."""
        from harvest_desktop.services.routing import semantic_embedder
        from harvest_desktop.ai.gateway import Gateway

        return Gateway(self._ctx.db, monthly_budget_usd=self._ctx.settings.monthly_budget_usd,
                       embed=semantic_embedder())

    def route(self, fmt: str, *, engine: str = "auto", prefer: str = "balanced",
              source_ids: Sequence[int] | None = None, depth: str = "normal", **options):  # -> ai.router.Plan
        """Which route would make this format now, why, and what it would cost; nothing is sent."""
        from harvest_desktop.services import routing as compose
        from harvest_desktop.formats import registry

        spec = registry.get_format(fmt)
        _chunks, passages, _analyses, _meta = self._generation_input(source_ids, NEVER)
        return compose.plan_route(self.gateway(), spec, passages,
                                  compose.Options(engine=engine or "auto", prefer=prefer, depth=depth,
                                                  gen=self.gen_options(options)))

    def _write_first(self, out: m.Output, path: Path, overwrite: bool) -> Path:
        """Write the file before the row is stored, so a failed export stores nothing."""
        from harvest_desktop.export import write_output

        return write_output(out, Path(path), overwrite=overwrite)

    def ask(self, question: str, *, source_ids: Sequence[int] | None = None, cancel: CancelToken = NEVER,
            engine: str = "builtin", prefer: str | None = None, fresh: bool = False,
            progress: ProgressFn = no_progress, on_text=None):
        """A cited answer from the chosen sources, or found=False: the sources do not say.

        engine "builtin" finds the answer's sentences in the sources; any other engine has a model
        write it from the passages retrieved for the question, cited and checked the same way."""
        from harvest_desktop.formats.answer import answer_question

        _chunks, passages, analyses, meta = self._generation_input(source_ids, cancel)
        if (engine or "builtin") == "builtin":
            return answer_question(question, passages, analyses=analyses, meta=meta, cancel=cancel)
        from harvest_desktop.formats.blog_post import source_meta
        from harvest_desktop.formats.registry import FormatSpec
        from harvest_desktop.formats.schema import Answer
        from harvest_desktop.services import routing as compose

        spec = FormatSpec("answer", "Cited answer", "A cited answer to a question.", None)
        ai = compose.Options(engine=engine, prefer=prefer or "balanced", fresh=fresh,
                             gen=self.gen_options({"question": question}))
        result = compose.generate(self.gateway(), spec, passages,
                                  {sid: source_meta(src) for sid, src in meta.items()}, ai, cancel=cancel,
                                  progress=progress, on_text=on_text)
        answer = Answer.from_dict(result.content)
        answer.route_reason = result.route_reason  # type: ignore[attr-defined]
        return answer
