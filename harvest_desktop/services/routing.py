"""A format made through the AI gateway: prompt from the format, route and call there, content back.

The generation service calls this; it is the one place that joins
a format's prompt/validator with the gateway, so the CLI and the window make outputs alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from harvest_desktop.ai.providers.base import GenRequest
from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError
from harvest_desktop.core.progress import Progress, ProgressFn, no_progress
from harvest_desktop.understand.passages import Passage


def generative_module(key: str):
    """The old blog-post module (kept for its source_meta helper); models write every format now."""
    if key == "blog-post":
        from harvest_desktop.formats import blog_post

        return blog_post
    return None


@dataclass
class Options:
    engine: str = "auto"
    prefer: str = "balanced"
    fresh: bool = False
    depth: str = "normal"
    topic: str = ""
    gen: Any = None  # formats.generative.base.GenOptions: count, difficulty, types, length, tone, runtime, language

    def gen_options(self):
        from harvest_desktop.formats.generative.base import GenOptions

        if self.gen is None:
            self.gen = GenOptions()
        g = self.gen
        if self.topic and not g.topic:
            g.topic = self.topic
        g.depth = self.depth
        return g


def model_format(spec, opts: Options):
    """The model-made side of a format (None when only the built-in engine makes it)."""
    from harvest_desktop.formats.generative import format_for

    return format_for(spec.key, opts.gen_options())


def _wants_builtin(spec, opts: Options) -> bool:
    return spec.builtin is not None and (opts.engine or "auto").split(":")[0] == "builtin"


def _request(call, passages: Sequence[Passage], fmt_key: str, fresh: bool = False) -> GenRequest:
    return GenRequest(fmt_key, call.messages, call.max_tokens, json_schema=call.schema,
                      source_ids=tuple(sorted({p.source_id for p in passages})), query=call.query,
                      fresh=fresh or call.fresh)


def estimate_request(fmt, spec, passages: Sequence[Passage], opts: Options) -> GenRequest:
    """One request standing for every call of the run (each part, the reduce step): the estimate and
    the budget check cover them all, not only the first."""
    from harvest_desktop.formats.generative.base import material

    passages = _for_format(fmt, passages)
    mat = material(passages, fmt.opts.context)
    calls = fmt.calls_for_estimate(mat)
    extra, repairs, rewrites = fmt.upper_bound_calls(mat, calls)
    messages = [m for c in calls + extra for m in c.messages]
    req = GenRequest(spec.key, messages, sum(c.max_tokens for c in calls + extra), json_schema=fmt.schema,
                     source_ids=tuple(sorted({p.source_id for p in passages})), query=fmt.query("estimate"),
                     fresh=opts.fresh)
    req.calls = len(calls)  # type: ignore[attr-defined]
    req.repairs, req.rewrites = repairs, rewrites  # type: ignore[attr-defined]
    req.total_calls = len(calls) + len(extra)  # type: ignore[attr-defined]
    req.routing_messages = [m for c in calls for m in c.messages]  # type: ignore[attr-defined]
    req.once_max_tokens = sum(c.max_tokens for c in calls)  # type: ignore[attr-defined]
    return req


def _for_format(fmt, passages: Sequence[Passage]) -> list[Passage]:
    from harvest_desktop.formats.generative.base import only_chapters

    passages = only_chapters(passages, fmt.opts.chapters)
    if fmt.key == "answer":
        from harvest_desktop.formats.generative.answer import retrieve

        return retrieve(fmt.opts.question, list(passages))
    return list(passages)


def semantic_embedder() -> Callable[[str], Any]:
    """The library's sentence model for the semantic cache (loaded once, on first use)."""

    def embed(text: str):
        from harvest_desktop.index.embedder import embed_query

        return embed_query(text)

    return embed


def plan_route(gateway, spec, passages: Sequence[Passage], opts: Options):
    """The route, its reason and estimate (every call counted), without generating."""
    from harvest_desktop.ai.cost import Estimate
    from harvest_desktop.ai.providers.base import FREE
    from harvest_desktop.ai.router import Plan, Route

    fmt = model_format(spec, opts)
    if fmt is None or _wants_builtin(spec, opts):
        name = (opts.engine or "auto").split(":")[0]
        if name not in ("auto", "builtin"):
            raise KnownError(f"{spec.label} is made by the built-in engine only",
                             hint="use --engine auto or builtin")
        return Plan([Route("builtin", "builtin", "", True, Estimate(0, 0, FREE))],
                    "extractive format: the built-in engine makes it on this computer, free" if fmt is None
                    else "chosen by you")
    av = None
    if spec.builtin is not None and (opts.engine or "auto") == "auto":
        av = gateway.availability()
        if not av.cloud_keys and not av.endpoints and not (av.ollama_running and av.ollama_models):
            # Nothing but the built-in engine can run: say so without counting a single token.
            return Plan([Route("builtin", "builtin", "", True, Estimate(0, 0, FREE))],
                        "no model is available (no key, no local server, Ollama not running): the built-in "
                        "engine makes it on this computer, free")
    req = estimate_request(fmt, spec, passages, opts)
    plan = gateway.plan(req, prefer=opts.prefer, engine=opts.engine, has_builtin=spec.builtin is not None,
                        depth=opts.depth, availability=av)
    context = context_chars(plan.primary)
    if fmt.opts.context_chars is None and context != fmt.opts.context:
        # The chosen model reads more (or less) at once than assumed: cut the material for it and
        # estimate again, so the figures shown are the calls that will be made.
        fmt.opts.context_chars = context
        if opts.gen is not None:
            opts.gen.context_chars = context
        req = estimate_request(fmt, spec, passages, opts)
        plan = gateway.plan(req, prefer=opts.prefer, engine=opts.engine, has_builtin=spec.builtin is not None,
                            depth=opts.depth, availability=av)
    calls = getattr(req, "calls", 1)
    if calls > 1:
        plan.reason += f"; {calls} calls (the material is longer than one call: written part by part)"
    if plan.primary.kind != "builtin" and hasattr(req, "repairs"):
        plan.reason += (f"; the estimate's upper bound counts a repair for every call ({req.repairs}) and a "
                        f"rewrite for every item asked for ({req.rewrites})")
    return plan


PER_CALL_TOKENS_CAP = 24_000  # long contexts read worse and lists need room: a part is at most this much input


def context_chars(route) -> int:
    """Passage characters one call to this route may carry: from the model's context in litellm's
    model map (half of it, capped), else the small default that suits local servers (Ollama's 4k)."""
    from harvest_desktop.formats.generative.base import CONTEXT_CHARS

    if route.kind != "cloud":
        return CONTEXT_CHARS
    from harvest_desktop.ai.providers.cloud import litellm, litellm_model

    info = litellm().model_cost.get(litellm_model(route.provider, route.model)) or {}
    tokens = info.get("max_input_tokens") or info.get("max_tokens")
    if not tokens:
        return CONTEXT_CHARS
    return max(CONTEXT_CHARS, int(min(int(tokens) // 2, PER_CALL_TOKENS_CAP) * 3.5))


class _FellBack(Exception):
    """The gateway's chain ended at the built-in route: the built-in engine makes the whole format."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def generate(gateway, spec, passages: Sequence[Passage], sources: Mapping[int, Mapping[str, Any]],
             opts: Options, *, cancel: CancelToken = NEVER, progress: ProgressFn = no_progress,
             on_text: Callable[[str], None] | None = None, run_builtin=None):
    """Make the format along the planned route; returns the registry's FormatResult."""
    from harvest_desktop.formats.registry import FormatResult

    fmt = model_format(spec, opts)
    if fmt is None or _wants_builtin(spec, opts):
        return _builtin(gateway, spec, passages, opts, run_builtin)
    progress(Progress(0, None, "Choosing a route"))
    plan = plan_route(gateway, spec, passages, opts)
    if plan.primary.kind == "builtin":
        return _builtin(gateway, spec, passages, opts, run_builtin, plan)
    spent, ask = _asker(gateway, plan, spec, passages, opts, cancel, progress, on_text)
    try:
        content = fmt.run(_for_format(fmt, passages), sources, ask, cancel=cancel, progress=progress)
    except _FellBack as fb:
        if run_builtin is None or spec.builtin is None:
            raise KnownError(f"{spec.label} needs a model, and every model route failed ({fb.reason})")
        result = run_builtin()
        result.route_reason = f"{plan.line()} | {fb.reason}"
        return result
    cancel.check()
    reason = _spent_line(plan, spent)
    data = content.to_dict()
    return FormatResult(title=fmt.title(content), content=data, markdown=fmt.markdown(content),
                        engine=spent["label"], route_reason=reason)


def _asker(gateway, plan, spec, passages, opts: Options, cancel: CancelToken, progress: ProgressFn, on_text):
    """`ask(call) -> text` through the gateway along the plan, and what the calls cost so far."""
    spent = {"cost": 0.0, "known": True, "calls": 0, "cached": 0, "label": plan.primary.label, "lines": []}

    def show(text: str) -> None:
        if on_text is not None:
            on_text(text)

    # A preview that keeps each call apart (formats.generative.preview.StreamText) is told when a call
    # starts and when its answer is asked for again; a plain callable just gets the pieces.
    begin = getattr(on_text, "begin", None)
    restart = getattr(on_text, "restart", None)

    def restarted(msg: str) -> None:
        if restart is not None:
            restart()
        progress(Progress(0, None, msg))

    def ask(call) -> str:
        cancel.check()
        progress(Progress(0, None, f"Writing with {spent['label']}: {call.name}"))
        if begin is not None:
            begin(call.name)
        res = gateway.run(plan, _request(call, passages, spec.key, opts.fresh), cancel=cancel, on_text=show,
                          on_restart=restarted)
        if res.builtin:
            raise _FellBack(res.reason)
        spent["calls"] += 1
        spent["cached"] += int(res.cached)
        spent["label"] = res.route.label
        if res.cost is None:
            spent["known"] = False
        else:
            spent["cost"] += res.cost
        if res.failures:
            spent["lines"].append(f"{call.name}: {res.line()}")
        return res.text

    return spent, ask


def _spent_line(plan, spent) -> str:
    from harvest_desktop.ai.cost import money

    cost = money(spent["cost"]) if spent["known"] else "unknown"
    what = "cached answer, no cost" if spent["cached"] == spent["calls"] else \
        f"{spent['calls']} call(s), {spent['cached']} cached, cost {cost}"
    return (f"{plan.line()} | {spent['label']} ({what})"
            + (f" | {'; '.join(spent['lines'])}" if spent["lines"] else ""))


def item_labels(fmt_key: str, content: Mapping[str, Any]) -> list[str]:
    """The items of stored content a model can write again one by one ("Question 3", "Part 2: Ants")."""
    return [label for label, _words in item_units(fmt_key, content)]


def item_units(fmt_key: str, content: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, the words the item opens with as it is shown) for each item that can be written again."""
    from harvest_desktop.formats.generative import format_for
    from harvest_desktop.formats.generative.base import GenOptions
    from harvest_desktop.formats.schema import content_from_dict

    fmt = format_for(fmt_key, GenOptions())
    if fmt is None:
        return []
    out = []
    for u in fmt.units(content_from_dict({"kind": fmt_key, **dict(content)})):
        words = next((str(getattr(u.item, a, "") or "") for a in ("heading", "question", "prompt", "front", "cloze",
                                                                  "narration", "text")
                      if str(getattr(u.item, a, "") or "").strip()), "")
        out.append((u.label, " ".join(words.split())))
    return out


REQUESTED = "the person asked for a new version of this item"


def regenerate_item(gateway, spec, passages: Sequence[Passage], content: Mapping[str, Any], index: int,
                    opts: Options, *, cancel: CancelToken = NEVER, progress: ProgressFn = no_progress,
                    on_text: Callable[[str], None] | None = None):
    """A new version of one item of a stored output (a question, card, point, scene, FAQ entry,
    study-guide part, blog-post section, hook or conclusion; the rest kept as is), written from the
    passages it cites and checked like the first; a FormatResult for the new version."""
    from harvest_desktop.formats.generative.base import THRESHOLD, material
    from harvest_desktop.formats.grounding import validate
    from harvest_desktop.formats.registry import FormatResult
    from harvest_desktop.formats.schema import Claim, Flashcard, QuizQuestion, Scene, content_from_dict

    fmt = model_format(spec, opts)
    obj = content_from_dict({"kind": spec.key, **dict(content)})
    units = fmt.units(obj) if fmt is not None else []
    if not units:
        raise KnownError(f"this {spec.label.lower()} has no item that can be written again on its own",
                         hint="make the whole output again (every version is kept)")
    if not 0 <= index < len(units):
        raise KnownError(f"the {spec.label.lower()} has no item {index + 1} (it has {len(units)}: "
                         f"{', '.join(u.label.split(':')[0] for u in units[:8])}{'…' if len(units) > 8 else ''})")
    unit = units[index]
    mat = material(_for_format(fmt, passages), fmt.opts.context)
    simple = isinstance(unit.item, (Claim, QuizQuestion, Flashcard, Scene))
    # The estimate and the budget check count this item's call (and a repair for a composite one),
    # not a whole run of the format.
    call = fmt.regenerate_call(mat, unit.item, REQUESTED) if simple else fmt.rewrite_call(mat, unit)
    if call is None:
        raise KnownError(f"{unit.label.split(':')[0].lower()} cannot be written again on its own")
    calls = [call] if simple else [call, call]
    req = GenRequest(spec.key, [m for c in calls for m in c.messages], sum(c.max_tokens for c in calls),
                     json_schema=call.schema, source_ids=tuple(sorted({p.source_id for p in passages})),
                     query=call.query, fresh=True)
    req.total_calls = len(calls)  # type: ignore[attr-defined]
    req.routing_messages = call.messages  # type: ignore[attr-defined]
    req.once_max_tokens = call.max_tokens  # type: ignore[attr-defined]
    plan = gateway.plan(req, prefer=opts.prefer, engine=opts.engine, has_builtin=spec.builtin is not None,
                        depth=opts.depth)
    if plan.primary.kind == "builtin":
        raise KnownError("writing one item again needs a model", hint="choose a model engine")
    if not simple:
        plan.reason += "; the estimate counts the rewrite and one repair"
    spent, ask = _asker(gateway, plan, spec, passages, opts, cancel, progress, on_text)
    try:
        if simple:
            new = fmt._regenerator(ask, mat, cancel)(unit.item, REQUESTED)
        else:
            new = fmt.rewrite(ask, mat, unit, cancel)
    except _FellBack as fb:
        raise KnownError(f"every model route failed ({fb.reason})") from None
    if new is None:
        raise KnownError(f"the model's new version of {unit.label.split(':')[0].lower()} did not rest on the "
                         "sources; the item was left as it was", hint="try again, or choose a larger model")
    unit.put(new)
    validate(obj, mat.by_chunk, threshold=THRESHOLD)
    return FormatResult(title=fmt.title(obj), content=obj.to_dict(), markdown=fmt.markdown(obj),
                        engine=spent["label"],
                        route_reason=f"{unit.label.split(':')[0]} written again | " + _spent_line(plan, spent))


def _builtin(gateway, spec, passages, opts, run_builtin, plan=None):
    if plan is None:
        plan = plan_route(gateway, spec, passages, opts)
    start = time.perf_counter()
    result = run_builtin()
    gateway.record_builtin(spec.key, plan.reason, time.perf_counter() - start)
    return result
