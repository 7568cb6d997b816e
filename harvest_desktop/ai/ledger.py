"""The usage ledger read back: lines, a summary (spend, cache-hit rate, estimate error), CSV."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from harvest_desktop.ai.cost import money
from harvest_desktop.store import ai_repo
from harvest_desktop.store import models as m

FIELDS = ["at", "format", "provider", "model", "outcome", "cached", "tokens_in", "tokens_out", "est_tokens_in",
          "estimated_cost", "actual_cost", "latency_ms", "first_token_ms", "route_reason", "error"]


def parse_since(text: str) -> str | None:
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return day.isoformat(timespec="seconds")


def rows(db, since: str | None = None) -> list[m.AiUsage]:
    return ai_repo.usage_since(db, since)


def line(r: m.AiUsage) -> str:
    route = f"{r.provider}:{r.model}" if r.model else r.provider
    cost = "cached" if r.cached else money(r.actual_cost)
    bits = [r.at.replace("+00:00", "Z"), r.format or "-", route, r.outcome, f"{r.tokens_in}/{r.tokens_out} tokens",
            cost, f"{r.latency_ms:.0f} ms"]
    if r.error:
        bits.append(r.error)
    return "\t".join(bits)


@dataclass(frozen=True)
class Summary:
    requests: int
    cached: int
    spent: float
    estimated: float
    estimate_error: float | None  # (estimated - actual) / actual over requests with both
    token_error: float | None  # (estimated input tokens - reported) / reported
    median_latency_ms: float | None

    @property
    def cache_rate(self) -> float:
        return self.cached / self.requests if self.requests else 0.0


def summary(items: Sequence[m.AiUsage]) -> Summary:
    answered = [r for r in items if r.outcome in ("ok", "cached")]
    spent = sum(r.actual_cost or 0.0 for r in items if not r.cached)
    priced = [r for r in items if r.outcome == "ok" and not r.cached and r.actual_cost and r.estimated_cost]
    est = sum(r.estimated_cost or 0.0 for r in priced)
    act = sum(r.actual_cost or 0.0 for r in priced)
    tok = [r for r in items if r.outcome == "ok" and r.est_tokens_in and r.tokens_in]
    tok_err = (sum(r.est_tokens_in for r in tok) - sum(r.tokens_in for r in tok)) / sum(r.tokens_in for r in tok) \
        if tok else None
    lat = [r.latency_ms for r in answered]
    return Summary(len(answered), sum(1 for r in answered if r.cached), spent,
                   sum(r.estimated_cost or 0.0 for r in items if r.outcome == "ok" and not r.cached),
                   (est - act) / act if act else None, tok_err, statistics.median(lat) if lat else None)


def daily(items: Sequence[m.AiUsage]) -> list[tuple[str, float, float, float]]:
    """(day, cost, cache-hit rate, median latency ms) per day, for the Usage view's plots."""
    by_day: dict[str, list[m.AiUsage]] = {}
    for r in items:
        by_day.setdefault(r.at[:10], []).append(r)
    out = []
    for day in sorted(by_day):
        rs = [r for r in by_day[day] if r.outcome in ("ok", "cached")]
        cost = sum(r.actual_cost or 0.0 for r in by_day[day] if not r.cached)
        rate = (sum(1 for r in rs if r.cached) / len(rs)) if rs else 0.0
        lat = statistics.median([r.latency_ms for r in rs]) if rs else 0.0
        out.append((day, cost, rate, lat))
    return out


def to_csv(items: Sequence[m.AiUsage]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(FIELDS)
    for r in items:
        w.writerow([getattr(r, f) for f in FIELDS])
    return buf.getvalue()


def write_csv(items: Sequence[m.AiUsage], path: Path) -> Path:
    from harvest_desktop.core.settings import atomic_write_text

    path = Path(path).expanduser()
    atomic_write_text(path, to_csv(items))
    return path
