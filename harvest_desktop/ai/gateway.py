"""Every generation goes through here: estimate → route → cache → call (retries, breaker,
fallback) → record usage → the text with its route and reason.

Qt-free and synchronous: the window runs it on a worker thread, the CLI directly.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable

from harvest_desktop.ai import keys
from harvest_desktop.ai.cache import AnswerCache, Embed, fingerprint
from harvest_desktop.ai.cost import Budget, Estimate, actual_cost, money, month_start
from harvest_desktop.ai.policy import Policy, load_policy
from harvest_desktop.ai.providers.base import FREE, Completion, GenRequest, ProviderError, collect
from harvest_desktop.ai.resilience import Breakers, RetryPolicy, with_retries
from harvest_desktop.ai.router import Availability, Plan, Route, Router
from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import Cancelled, KnownError
from harvest_desktop.store import ai_repo
from harvest_desktop.store import models as m
from harvest_desktop.store.db import Database

log = logging.getLogger(__name__)


@dataclass
class GenResult:
    route: Route
    reason: str
    text: str = ""
    cached: bool = False
    cache_kind: str = ""
    cost: float | None = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    first_token_s: float | None = None
    failures: list[str] = field(default_factory=list)  # routes that failed before this one

    @property
    def builtin(self) -> bool:
        return self.route.kind == "builtin"

    def line(self) -> str:
        what = "cached answer, no cost" if self.cached else f"cost {money(self.cost)}"
        extra = f" after {'; '.join(self.failures)}" if self.failures else ""
        return f"{self.route.label} ({what}){extra}"


class AllRoutesFailed(KnownError):
    pass


class Gateway:
    def __init__(self, db: Database, *, monthly_budget_usd: float = 5.0, policy: Policy | None = None,
                 embed: Embed | None = None, breakers: Breakers | None = None,
                 retry: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] | None = None,
                 ollama_probe_timeout_s: float = 1.0) -> None:
        self.db = db
        self.monthly_budget_usd = monthly_budget_usd
        self._policy = policy
        self.cache = AnswerCache(db, embed)
        self.breakers = breakers or Breakers()
        self.retry = retry
        self.sleep = sleep
        self.ollama_probe_timeout_s = ollama_probe_timeout_s
        self._providers: dict[tuple[str, str], object] = {}

    @property
    def policy(self) -> Policy:
        """Read when first needed, so a broken policy file never stops the built-in engine."""
        if self._policy is None:
            self._policy = load_policy()
        return self._policy

    # -- what is there -----------------------------------------------------------------------
    def availability(self, probe_ollama: bool = True) -> Availability:
        from harvest_desktop.ai.ollama_detect import detect_ollama_blocking

        cloud = {p for p in ("openai", "anthropic", "gemini") if keys.key_is_set(p)}
        eps = keys.endpoints()
        url = keys.ollama_url()
        running, models, err = False, [], ""
        if probe_ollama:
            status = detect_ollama_blocking(url, timeout=self.ollama_probe_timeout_s)
            running, models, err = status.running, status.models, status.error or ""
        names = ["openai", "anthropic", "gemini", "ollama"] + [e.name for e in eps]
        open_ = {n for n in names if not self.breakers.allows(n)}
        return Availability(cloud, eps, url, running, models, err, open_)

    def budget(self) -> Budget:
        spent = ai_repo.spent_since(self.db, month_start())
        return Budget(self.monthly_budget_usd, spent, self.policy.max_per_generation)

    def provider_for(self, route: Route):
        key = (route.kind, route.provider)
        if route.kind == "ollama":  # a changed address in Settings takes effect at once
            key = (route.kind, route.provider, keys.ollama_url())
        if key in self._providers:
            return self._providers[key]
        if route.kind == "cloud":
            from harvest_desktop.ai.providers.cloud import CloudProvider

            prov = CloudProvider(route.provider, kind=route.provider, api_key=keys.get_key(route.provider))
        elif route.kind == "endpoint":
            from harvest_desktop.ai.providers.cloud import CloudProvider

            ep = keys.find_endpoint(route.provider)
            if ep is None:
                raise KnownError(f"the server '{route.provider}' is no longer configured")
            prov = CloudProvider(ep.name, kind="endpoint", api_key=keys.get_key(ep.key_name), base_url=ep.base_url)
        elif route.kind == "ollama":
            from harvest_desktop.ai.providers.local import OllamaProvider

            prov = OllamaProvider(key[2])
        else:
            raise KnownError(f"no provider for {route.label}")
        self._providers[key] = prov
        return prov

    def estimator(self, req: GenRequest) -> Callable[[Route], Estimate]:
        def estimate(route: Route) -> Estimate:
            if route.kind == "builtin":
                return Estimate(0, 0, FREE)
            prov = self.provider_for(route)
            tokens = prov.count_tokens(route.model, req.messages)
            out = req.max_output_tokens
            limit = getattr(prov, "max_output", lambda _m: None)(route.model)
            if limit and getattr(req, "total_calls", 1) == 1:  # a model's limit is per call, not per run
                out = min(out, limit)
            once = getattr(req, "routing_messages", None)
            once_out = getattr(req, "once_max_tokens", None)
            if once is None or once_out is None:
                return Estimate(tokens, out, prov.price(route.model))
            return Estimate(tokens, out, prov.price(route.model), prov.count_tokens(route.model, once), once_out)

        return estimate

    def plan(self, req: GenRequest, *, prefer: str = "balanced", engine: str = "auto",
             has_builtin: bool = False, depth: str = "normal", availability: Availability | None = None) -> Plan:
        if availability is None:
            from harvest_desktop.ai.http import is_loopback

            # Offline sends nothing anywhere: an Ollama server on another computer is not even probed.
            availability = self.availability(probe_ollama=prefer != "offline" or is_loopback(keys.ollama_url()))
        av = availability
        estimate = self.estimator(req)
        router = Router(self.policy, av, self.budget(), estimate)
        input_tokens = 0
        if engine in ("", "auto") and prefer not in ("local", "offline") and req.messages:
            from harvest_desktop.ai.providers.cloud import litellm

            # The material's size decides the complexity, not the repairs and rewrites an upper bound adds.
            messages = getattr(req, "routing_messages", None) or req.messages
            input_tokens = int(litellm().token_counter(model="gpt-4o-mini", messages=messages))
        return router.plan(req.format, prefer=prefer, engine=engine or "auto", has_builtin=has_builtin,
                           input_tokens=input_tokens, depth=depth)

    def with_sources(self, req: GenRequest) -> GenRequest:
        """Stamp the request with its sources' fingerprint (the cache keys on it)."""
        if req.source_ids and not req.source_fingerprint:
            req.source_fingerprint = fingerprint(self.db, req.source_ids)
        return req

    # -- the call ----------------------------------------------------------------------------
    def run(self, plan: Plan, req: GenRequest, *, cancel: CancelToken = NEVER,
            on_text: Callable[[str], None] | None = None,
            on_restart: Callable[[str], None] | None = None) -> GenResult:
        """Try the plan's routes in order; the built-in route is returned for the caller to run."""
        self.with_sources(req)
        failures: list[str] = []
        errors: list[ProviderError | KnownError] = []
        for route in plan.routes:
            cancel.check()
            reason = plan.reason if route is plan.primary else f"fallback after {'; '.join(failures)}"
            if route.kind == "builtin":
                return GenResult(route, reason, failures=failures)
            if not req.fresh:
                t0 = time.perf_counter()
                hit = self.cache.lookup(req, route.provider, route.model)
                if hit is not None:
                    elapsed = time.perf_counter() - t0
                    self._record(req, route, plan, outcome="cached", cached=True, latency=elapsed,
                                 tokens_in=hit.entry.tokens_in, tokens_out=hit.entry.tokens_out, cost=0.0)
                    if on_text is not None:
                        on_text(hit.entry.response)
                    return GenResult(route, f"{reason} (cached: {hit.kind} match)", hit.entry.response, True,
                                     hit.kind, 0.0, hit.entry.tokens_in, hit.entry.tokens_out, elapsed, 0.0, failures)
            if not self.breakers.allows(route.provider):
                failures.append(f"{route.label}: paused after repeated failures")
                continue
            try:
                result = self._call(route, req, cancel, on_text, on_restart, plan)
            except Cancelled:
                raise
            except (ProviderError, KnownError) as err:
                errors.append(err)
                failures.append(f"{route.label}: {getattr(err, 'message', str(err))}")
                if on_restart is not None:
                    on_restart(f"{route.label} failed ({getattr(err, 'message', err)}); trying the next route")
                continue
            result.reason = reason
            result.failures = failures
            return result
        detail = "; ".join(str(e) for e in errors) or "no route could run"
        raise AllRoutesFailed(f"every route failed: {detail}",
                              hint="fix the first problem named, or choose another engine")

    def _call(self, route: Route, req: GenRequest, cancel: CancelToken, on_text, on_restart,
              plan: Plan) -> GenResult:
        prov = self.provider_for(route)
        started = time.perf_counter()
        emitted = {"any": False}

        def show(text: str) -> None:
            emitted["any"] = True
            if on_text is not None:
                on_text(text)

        def attempt() -> Completion:
            if emitted["any"] and on_restart is not None:
                on_restart(f"{route.label}: starting the answer again")
            emitted["any"] = False
            return collect(prov.stream(route.model, req, cancel), cancel, show)

        est = route.estimate
        try:
            c = with_retries(attempt, route.provider, self.breakers, policy=self.retry, cancel=cancel,
                             sleep=self.sleep)
        except Cancelled:
            self._record(req, route, plan, outcome="cancelled", latency=time.perf_counter() - started,
                         error="cancelled mid-answer; nothing kept")
            raise
        except ProviderError as err:
            if err.item in (None, "stream"):
                err.item = route.provider
            self._record(req, route, plan, outcome="failed", latency=time.perf_counter() - started,
                         error=f"{err.kind}: {err.message}")
            raise
        if cancel.cancelled:
            self._record(req, route, plan, outcome="cancelled", latency=time.perf_counter() - started,
                         error="cancelled mid-answer; nothing kept")
            raise Cancelled()
        latency = time.perf_counter() - started
        tokens_in = c.tokens_in or (est.tokens_in if est else 0)
        tokens_out = c.tokens_out or prov.count_tokens(route.model, [{"role": "assistant", "content": c.text}])
        price = prov.price(route.model)
        cost = actual_cost(price, tokens_in, tokens_out)
        self._record(req, route, plan, outcome="ok", latency=latency, first_token=c.first_token_s,
                     tokens_in=tokens_in, tokens_out=tokens_out, cost=cost)
        if c.text.strip():
            self.cache.store(req, route.provider, route.model, c.text, tokens_in, tokens_out)
        return GenResult(route, plan.reason, c.text, False, "", cost, tokens_in, tokens_out, latency, c.first_token_s)

    def _record(self, req: GenRequest, route: Route, plan: Plan, *, outcome: str, latency: float,
                tokens_in: int = 0, tokens_out: int = 0, cost: float | None = None, cached: bool = False,
                first_token: float | None = None, error: str = "") -> None:
        est = route.estimate
        row = m.AiUsage(at="", format=req.format, provider=route.provider, model=route.model,
                        route_reason=plan.reason[:300], tokens_in=tokens_in, tokens_out=tokens_out,
                        est_tokens_in=est.tokens_in if est else None,
                        estimated_cost=est.cost if est else None,
                        actual_cost=cost if outcome in ("ok", "cached") else (0.0 if outcome == "failed" else None),
                        latency_ms=latency * 1000, first_token_ms=None if first_token is None else first_token * 1000,
                        cached=cached, outcome=outcome, error=error[:300])
        try:
            ai_repo.usage_add(self.db, row)
        except Exception:  # the ledger must never cost the answer
            log.exception("could not record usage")

    def record_builtin(self, fmt: str, reason: str, latency: float) -> None:
        self._record(GenRequest(fmt, [], 0), Route("builtin", "builtin", "", True, Estimate(0, 0, FREE)),
                     Plan([], reason), outcome="ok", latency=latency, cost=0.0)
