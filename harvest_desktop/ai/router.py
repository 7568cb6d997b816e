"""The decision table: which route makes this request, and why, in one line.

Inputs: the request's complexity (format, input length, depth), the person's preference
(cost / balanced / quality / local / offline), the budget left, which providers have keys or
are running, and their health (circuit breakers). The policy file holds models and thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from harvest_desktop.ai import keys
from harvest_desktop.ai.cost import Budget, BudgetExceeded, Estimate, money
from harvest_desktop.ai.policy import CLOUD_PROVIDERS, PREFERENCES, Policy
from harvest_desktop.ai.providers.base import FREE
from harvest_desktop.core.errors import KnownError, NeedsModel

BUILTIN = "builtin"
OLLAMA = "ollama"


@dataclass
class Route:
    provider: str  # openai | anthropic | gemini | ollama | builtin | an endpoint's name
    kind: str  # cloud | endpoint | ollama | builtin
    model: str = ""
    local: bool = False
    estimate: Estimate | None = None

    @property
    def label(self) -> str:
        if self.kind == "builtin":
            return "built-in engine"
        return f"{self.provider}:{self.model}" if self.model else self.provider


@dataclass
class Plan:
    routes: list[Route]  # the first is the choice, the rest the fallback chain
    reason: str
    budget: Budget | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def primary(self) -> Route:
        return self.routes[0]

    def line(self) -> str:
        """The route and the reason in one line (Formats pane, `harvest route`)."""
        est = self.primary.estimate
        cost = f"; {est.describe()}" if est is not None else ""
        return f"{self.primary.label}: {self.reason}{cost}"

    def chain(self) -> str:
        return " → ".join(r.label for r in self.routes)


@dataclass
class Availability:
    """What can run right now: keys present, endpoints configured, Ollama running, health."""

    cloud_keys: set[str]
    endpoints: list[keys.Endpoint]
    ollama_url: str = ""
    ollama_running: bool = False
    ollama_models: list[str] = field(default_factory=list)
    ollama_error: str = ""
    open_breakers: set[str] = field(default_factory=set)


def parse_engine(engine: str) -> tuple[str, str]:
    """'openai:gpt-4o' → ('openai', 'gpt-4o'); 'ollama:llama3.2:latest' keeps the tag."""
    engine = (engine or "auto").strip()
    name, _, model = engine.partition(":")
    return name.strip().lower(), model.strip()


def pick_ollama_model(wanted: str, installed: list[str]) -> str | None:
    if not installed:
        return None
    for m in installed:
        if m == wanted or m == f"{wanted}:latest" or m.split(":")[0] == wanted:
            return m
    return installed[0]


Estimator = Callable[[Route], Estimate]


class Router:
    def __init__(self, policy: Policy, availability: Availability, budget: Budget, estimator: Estimator) -> None:
        self.policy = policy
        self.av = availability
        self.budget = budget
        self.estimate = estimator

    # -- local routes ------------------------------------------------------------------------
    def _local_routes(self, *, offline: bool, has_builtin: bool) -> tuple[list[Route], list[str]]:
        routes, notes = [], []
        for ep in self.av.endpoints:
            if ep.is_local and ep.name not in self.av.open_breakers:
                routes.append(Route(ep.name, "endpoint", ep.model or "default", True))
        ollama_local = keys.Endpoint("ollama", self.av.ollama_url or keys.DEFAULT_OLLAMA_URL).is_local
        if self.av.ollama_running and (ollama_local or not offline):
            model = pick_ollama_model(self.policy.ollama_model, self.av.ollama_models)
            if model is None:
                notes.append(f"Ollama has no models (pull one, e.g. `ollama pull {self.policy.ollama_model}`)")
            elif OLLAMA in self.av.open_breakers:
                notes.append("Ollama is paused after repeated failures")
            else:
                routes.append(Route(OLLAMA, "ollama", model, ollama_local))
        elif not self.av.ollama_running:
            notes.append("Ollama is not running (start it with `ollama serve` or the Ollama app)")
        if has_builtin:
            routes.append(Route(BUILTIN, "builtin", "", True, Estimate(0, 0, FREE)))
        return routes, notes

    # -- the decision ------------------------------------------------------------------------
    def plan(self, fmt: str, *, prefer: str = "balanced", engine: str = "auto", has_builtin: bool = False,
             input_tokens: int = 0, depth: str = "normal") -> Plan:
        if prefer not in PREFERENCES:
            raise KnownError(f"unknown preference '{prefer}'", hint="choose one of: " + ", ".join(PREFERENCES))
        name, model = parse_engine(engine)
        if name != "auto":
            return self._explicit(fmt, name, model, prefer, has_builtin)
        local, notes = self._local_routes(offline=prefer == "offline", has_builtin=has_builtin)
        if prefer in ("local", "offline"):
            for r in local:
                r.estimate = r.estimate or self.estimate(r)
            if not local:
                raise NeedsModel(f"{fmt} needs a model on this computer, and none is available "
                                 f"({'; '.join(notes) or 'no local server configured'})",
                                 hint="start Ollama, add a local server with `harvest keys add-endpoint`, "
                                      "or allow cloud routes (--prefer balanced)")
            reason = f"{prefer} preference: {'nothing leaves this computer' if prefer == 'offline' else 'local routes only'}"
            if local[0].kind == "builtin":
                reason += " (built-in engine: " + ("; ".join(notes) or "no local model server") + ")"
            return Plan(local, reason, self.budget, notes)
        complexity = self.policy.complexity(fmt, input_tokens, depth)
        tier = self.policy.tier(prefer, complexity)
        cloud: list[Route] = []
        skipped: list[str] = list(notes)
        for provider in self.policy.cloud_order:
            if provider not in self.av.cloud_keys:
                continue
            if provider in self.av.open_breakers:
                skipped.append(f"{provider} is paused after repeated failures")
                continue
            r = Route(provider, "cloud", self.policy.model(provider, tier))
            r.estimate = self.estimate(r)
            refusal = self.budget.refusal(r.estimate)
            if refusal:
                skipped.append(f"{r.label}: {refusal}")
                continue
            if not r.estimate.known:
                skipped.append(f"{r.label}: price unknown, not chosen automatically")
                continue
            cloud.append(r)
        remote_eps = [Route(ep.name, "endpoint", ep.model or "default") for ep in self.av.endpoints
                      if not ep.is_local and ep.name not in self.av.open_breakers]
        for r in remote_eps:
            r.estimate = self.estimate(r)
        for r in local:
            r.estimate = r.estimate or self.estimate(r)
        routes = cloud + remote_eps + local
        if not routes:
            raise NeedsModel(f"{fmt} needs a generative model, and none is available"
                             + (f" ({'; '.join(skipped)})" if skipped else ""),
                             hint="add an API key (`harvest keys set openai`), start Ollama, or add a server "
                                  "with `harvest keys add-endpoint`")
        first = routes[0]
        what = {"cheap": "the cheapest capable cloud model", "mid": "a mid-range cloud model",
                "top": "a top cloud model"}[tier]
        if first.kind == "cloud":
            reason = f"{prefer} preference, {complexity} complexity ({input_tokens:,} tokens in) → {what}"
            reason += f"; {money(self.budget.left)} of {money(self.budget.monthly_usd)} left this month"
        elif first.kind == "endpoint" and not first.local:
            reason = f"no cloud key usable; your server {first.provider}"
        else:
            why = "; ".join(skipped) if skipped else "no cloud key set"
            reason = f"local route ({why})"
        return Plan(routes, reason, self.budget, skipped)

    def _explicit(self, fmt: str, name: str, model: str, prefer: str, has_builtin: bool) -> Plan:
        if name == BUILTIN:
            if not has_builtin:
                raise NeedsModel(f"{fmt} needs a generative model, and the built-in engine only makes "
                                 "extractive formats",
                                 hint="choose --engine auto, ollama, a cloud provider or a server you added")
            return Plan([Route(BUILTIN, "builtin", "", True, Estimate(0, 0, FREE))], "chosen by you")
        if name in CLOUD_PROVIDERS:
            if prefer == "offline" or prefer == "local":
                raise KnownError(f"{name} is a cloud route, and the preference is {prefer}",
                                 hint="drop --prefer, or choose a local engine")
            if name not in self.av.cloud_keys:
                raise KnownError(f"no {name} key is set", hint=f"set one with `harvest keys set {name}` "
                                 "or in the Keys pane")
            tier = self.policy.tier(prefer if prefer in ("cost", "balanced", "quality") else "balanced", "low")
            route = Route(name, "cloud", model or self.policy.model(name, tier))
        elif name == OLLAMA:
            if not self.av.ollama_running:
                from harvest_desktop.ai.providers.local import START_HINT

                raise KnownError(f"Ollama is not running at {self.av.ollama_url}"
                                 + (f" ({self.av.ollama_error})" if self.av.ollama_error else ""), hint=START_HINT)
            chosen = model or pick_ollama_model(self.policy.ollama_model, self.av.ollama_models)
            if not chosen:
                raise KnownError("Ollama has no models installed",
                                 hint=f"pull one with `ollama pull {self.policy.ollama_model}`")
            route = Route(OLLAMA, "ollama", chosen, keys.Endpoint("o", self.av.ollama_url).is_local)
        else:
            ep = next((e for e in self.av.endpoints if e.name == name), None)
            if ep is None:
                raise KnownError(f"unknown engine '{name}'",
                                 hint="use auto, builtin, ollama, openai, anthropic, gemini, or a server added "
                                      "with `harvest keys add-endpoint`")
            if prefer == "offline" and not ep.is_local:
                raise KnownError(f"{name} is not on this computer, and the preference is offline")
            route = Route(ep.name, "endpoint", model or ep.model or "default", ep.is_local)
        route.estimate = self.estimate(route)
        refusal = self.budget.refusal(route.estimate)
        if refusal:
            raise BudgetExceeded(f"{route.label}: {refusal}; nothing was sent",
                                 hint="raise the budget in Settings (or max_per_generation_usd in the policy "
                                      "file), choose a cheaper model, or use a local engine")
        local, _ = self._local_routes(offline=prefer == "offline", has_builtin=has_builtin)
        fallbacks = [r for r in local if (r.provider, r.model) != (route.provider, route.model)]
        for r in fallbacks:
            r.estimate = r.estimate or self.estimate(r)
        return Plan([route] + fallbacks, "chosen by you", self.budget)
