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
    """The prompt/validator module of a format a model makes, or None for extractive-only formats."""
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


def semantic_embedder() -> Callable[[str], Any]:
    """The library's sentence model for the semantic cache (loaded once, on first use)."""

    def embed(text: str):
        from harvest_desktop.index.embedder import embed_query

        return embed_query(text)

    return embed


def build_request(spec, passages: Sequence[Passage], opts: Options):
    module = generative_module(spec.key)
    prep = module.prepare(passages, topic=opts.topic, depth=opts.depth)
    req = GenRequest(spec.key, prep.messages, module.MAX_OUTPUT_TOKENS, json_schema=module.SCHEMA,
                     source_ids=tuple(sorted({p.source_id for p in passages})), query=prep.query,
                     fresh=opts.fresh)
    return module, prep, req


def plan_route(gateway, spec, passages: Sequence[Passage], opts: Options):
    """The route, its reason and estimate, without generating (`harvest route`, the Formats pane)."""
    from harvest_desktop.ai.cost import Estimate
    from harvest_desktop.ai.providers.base import FREE
    from harvest_desktop.ai.router import Plan, Route

    if generative_module(spec.key) is None:
        name = (opts.engine or "auto").split(":")[0]
        if name not in ("auto", "builtin"):
            raise KnownError(f"{spec.label} is made by the built-in engine only",
                             hint="use --engine auto or builtin")
        return Plan([Route("builtin", "builtin", "", True, Estimate(0, 0, FREE))],
                    "extractive format: the built-in engine makes it on this computer, free")
    _module, _prep, req = build_request(spec, passages, opts)
    return gateway.plan(req, prefer=opts.prefer, engine=opts.engine, has_builtin=spec.builtin is not None,
                        depth=opts.depth)


def generate(gateway, spec, passages: Sequence[Passage], sources: Mapping[int, Mapping[str, Any]],
             opts: Options, *, cancel: CancelToken = NEVER, progress: ProgressFn = no_progress,
             on_text: Callable[[str], None] | None = None, run_builtin=None):
    """Make the format along the planned route; returns the registry's FormatResult."""
    module = generative_module(spec.key)
    if module is None:
        plan = plan_route(gateway, spec, passages, opts)
        start = time.perf_counter()
        result = run_builtin()
        gateway.record_builtin(spec.key, plan.reason, time.perf_counter() - start)
        return result
    module, prep, req = build_request(spec, passages, opts)
    progress(Progress(0, None, "Choosing a route"))
    plan = gateway.plan(req, prefer=opts.prefer, engine=opts.engine, has_builtin=spec.builtin is not None,
                        depth=opts.depth)
    progress(Progress(0, None, f"Writing with {plan.primary.label}"))
    got = {"chars": 0}

    def show(text: str) -> None:
        got["chars"] += len(text)
        progress(Progress(0, None, f"Writing with {plan.primary.label}: {got['chars']:,} characters"))
        if on_text is not None:
            on_text(text)

    res = gateway.run(plan, req, cancel=cancel, on_text=show)
    if res.builtin:
        result = run_builtin()
        result.route_reason = f"{plan.line()} | {res.reason}"
        return result
    cancel.check()
    reason = f"{plan.line()} | {res.line()}"
    return module.build(res.text, prep, sources, engine=res.route.label, route_reason=reason)
