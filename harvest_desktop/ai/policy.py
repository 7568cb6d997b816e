"""The router's policy: which models for which tier, and the thresholds. A file the person may edit.

The file is ai-policy.json in the data folder, written with the defaults on first use. A wrong
file is refused with one line naming the field and what is expected; nothing is guessed.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harvest_desktop.core.errors import KnownError

CLOUD_PROVIDERS = ("openai", "anthropic", "gemini")
TIERS = ("cheap", "mid", "top")
PREFERENCES = ("cost", "balanced", "quality", "local", "offline")

DEFAULT_POLICY: dict[str, Any] = {
    "version": 1,
    "_help": ("Harvest's routing policy. models: the model per provider for each tier (cheap, mid, top). "
              "complexity: requests with at least medium_from_tokens input tokens are medium, at least "
              "high_from_tokens high; formats in high_formats are always high. tier_for: the tier each "
              "preference uses at each complexity. cloud_order: which provider to try first. "
              "max_per_generation_usd: no single generation may cost more. Delete this file to get the "
              "defaults back."),
    "models": {
        "openai": {"cheap": "gpt-4o-mini", "mid": "gpt-4.1-mini", "top": "gpt-4.1"},
        "anthropic": {"cheap": "claude-haiku-4-5", "mid": "claude-sonnet-4-5", "top": "claude-opus-4-5"},
        "gemini": {"cheap": "gemini-2.5-flash-lite", "mid": "gemini-2.5-flash", "top": "gemini-2.5-pro"},
        "ollama": "llama3.2",
    },
    "complexity": {"medium_from_tokens": 6000, "high_from_tokens": 30000, "high_formats": ["video-script"]},
    "tier_for": {
        "cost": {"low": "cheap", "medium": "cheap", "high": "mid"},
        "balanced": {"low": "cheap", "medium": "mid", "high": "top"},
        "quality": {"low": "top", "medium": "top", "high": "top"},
    },
    "cloud_order": ["openai", "anthropic", "gemini"],
    "max_per_generation_usd": 0.50,
}


@dataclass(frozen=True)
class Policy:
    raw: dict[str, Any]
    path: Path | None = None

    def model(self, provider: str, tier: str) -> str:
        return self.raw["models"][provider][tier]

    @property
    def ollama_model(self) -> str:
        return self.raw["models"]["ollama"]

    def tier(self, preference: str, complexity: str) -> str:
        return self.raw["tier_for"][preference][complexity]

    @property
    def cloud_order(self) -> list[str]:
        return list(self.raw["cloud_order"])

    @property
    def max_per_generation(self) -> float:
        return float(self.raw["max_per_generation_usd"])

    def complexity(self, fmt: str, input_tokens: int, depth: str = "normal") -> str:
        c = self.raw["complexity"]
        if fmt in c["high_formats"] or depth == "deep" or input_tokens >= c["high_from_tokens"]:
            return "high"
        if input_tokens >= c["medium_from_tokens"] or depth == "detailed":
            return "medium"
        return "low"


def policy_path() -> Path:
    from harvest_desktop.core import paths

    return paths.data_dir() / "ai-policy.json"


def load_policy(path: Path | None = None, *, create: bool = True) -> Policy:
    """The person's policy, validated; the defaults (written out for editing) when there is none."""
    path = path or policy_path()
    if not path.exists():
        if create:
            from harvest_desktop.core.settings import atomic_write_text

            try:
                atomic_write_text(path, json.dumps(DEFAULT_POLICY, indent=2))
            except OSError:
                pass
        return Policy(copy.deepcopy(DEFAULT_POLICY), path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise KnownError(f"the routing policy is not valid JSON (line {getattr(exc, 'lineno', '?')}: {exc.msg if hasattr(exc, 'msg') else exc})",
                         item=str(path), hint="fix it, or delete the file to get the defaults back") from None
    except OSError as exc:
        raise KnownError(f"the routing policy cannot be read ({exc.strerror})", item=str(path)) from None
    validate(raw, path)
    return Policy(raw, path)


def validate(raw: Any, path: Path | None = None) -> None:
    """Raise a KnownError naming the first wrong field; the policy is used only when all is right."""

    def bad(field: str, expected: str) -> KnownError:
        return KnownError(f"routing policy: '{field}' {expected}", item=str(path) if path else None,
                          hint="fix the field, or delete the file to get the defaults back")

    if not isinstance(raw, dict):
        raise bad("(top level)", "must be a JSON object")
    if raw.get("version") != 1:
        raise bad("version", "must be 1")
    models = raw.get("models")
    if not isinstance(models, dict):
        raise bad("models", "must be an object with openai, anthropic, gemini and ollama")
    for p in CLOUD_PROVIDERS:
        tiers = models.get(p)
        if not isinstance(tiers, dict):
            raise bad(f"models.{p}", "must be an object with cheap, mid and top model names")
        for t in TIERS:
            if not isinstance(tiers.get(t), str) or not tiers[t].strip():
                raise bad(f"models.{p}.{t}", "must be a model name, e.g. " + DEFAULT_POLICY["models"][p][t])
    if not isinstance(models.get("ollama"), str) or not models["ollama"].strip():
        raise bad("models.ollama", "must be an Ollama model name, e.g. llama3.2")
    c = raw.get("complexity")
    if not isinstance(c, dict):
        raise bad("complexity", "must be an object")
    for k in ("medium_from_tokens", "high_from_tokens"):
        if not isinstance(c.get(k), int) or isinstance(c.get(k), bool) or c[k] < 0:
            raise bad(f"complexity.{k}", "must be a whole number of tokens, 0 or more")
    if c["medium_from_tokens"] > c["high_from_tokens"]:
        raise bad("complexity.medium_from_tokens", "must not be above high_from_tokens")
    if not isinstance(c.get("high_formats"), list) or not all(isinstance(f, str) for f in c["high_formats"]):
        raise bad("complexity.high_formats", "must be a list of format names")
    tier_for = raw.get("tier_for")
    if not isinstance(tier_for, dict):
        raise bad("tier_for", "must be an object with cost, balanced and quality")
    for pref in ("cost", "balanced", "quality"):
        row = tier_for.get(pref)
        if not isinstance(row, dict):
            raise bad(f"tier_for.{pref}", "must be an object with low, medium and high")
        for level in ("low", "medium", "high"):
            if row.get(level) not in TIERS:
                raise bad(f"tier_for.{pref}.{level}", "must be one of cheap, mid, top")
    order = raw.get("cloud_order")
    if not isinstance(order, list) or not order or any(p not in CLOUD_PROVIDERS for p in order) \
            or len(set(order)) != len(order):
        raise bad("cloud_order", "must list openai, anthropic and/or gemini, each once")
    cap = raw.get("max_per_generation_usd")
    if not isinstance(cap, (int, float)) or isinstance(cap, bool) or cap < 0:
        raise bad("max_per_generation_usd", "must be a number of US dollars, 0 or more")
