"""Pre-flight estimates and budget caps: the price is known before anything is spent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from harvest_desktop.ai.providers.base import Price
from harvest_desktop.core.errors import KnownError


class BudgetExceeded(KnownError):
    """A generation would go over a budget cap; nothing was sent."""


@dataclass(frozen=True)
class Estimate:
    tokens_in: int
    max_tokens_out: int
    price: Price | None  # None: the price is not known
    # When tokens_in/max_tokens_out are an upper bound (repairs and rewrites counted as if each were
    # needed): the same run with each call once, which is what the budget caps are checked against.
    once_tokens_in: int | None = None
    once_max_out: int | None = None

    @property
    def known(self) -> bool:
        return self.price is not None

    @property
    def cost(self) -> float | None:
        """The most this request can cost (input counted, output at the format's maximum)."""
        if self.price is None:
            return None
        return self.tokens_in * self.price.input + self.max_tokens_out * self.price.output

    @property
    def once_cost(self) -> float | None:
        """The most the run costs with each call made once (None: no upper bound was added, or no price)."""
        if self.price is None or self.once_tokens_in is None or self.once_max_out is None:
            return None
        return self.once_tokens_in * self.price.input + self.once_max_out * self.price.output

    def describe(self) -> str:
        tokens = f"{self.tokens_in:,} tokens in, at most {self.max_tokens_out:,} out"
        if self.price is None:
            return f"{tokens}; price unknown (not in the price list)"
        if self.cost == 0:
            return f"{tokens}; free (runs on this computer)"
        if self.once_cost is not None and self.once_cost < (self.cost or 0):
            return (f"{tokens}; at most {money(self.cost)} (upper bound: every repair and rewrite needed; "
                    f"{money(self.once_cost)} with each call once)")
        return f"{tokens}; at most {money(self.cost)}"


def money(value: float | None) -> str:
    if value is None:
        return "unknown"
    if value == 0:
        return "$0"
    if value < 0.0001:
        return f"${value:.6f}"
    if value < 0.01:
        return f"${value:.4f}"
    return f"${value:.2f}"


def actual_cost(price: Price | None, tokens_in: int, tokens_out: int) -> float | None:
    if price is None:
        return None
    return tokens_in * price.input + tokens_out * price.output


def month_start(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Budget:
    monthly_usd: float
    spent_this_month: float
    per_generation_usd: float

    @property
    def left(self) -> float:
        return max(0.0, self.monthly_usd - self.spent_this_month)

    def refusal(self, est: Estimate) -> str | None:
        """Why this estimate may not be spent, or None when it fits."""
        # The caps hold the run as planned (each call once); the repairs and rewrites an upper bound
        # adds happen only when answers fail, and are shown, not refused.
        cost = est.once_cost if est.once_cost is not None else est.cost
        what = "with each call once " if est.once_cost is not None else ""
        if cost is None or cost == 0:
            return None
        if cost > self.per_generation_usd:
            return (f"at most {money(cost)} {what}is over the cap of {money(self.per_generation_usd)} per generation")
        if cost > self.left:
            return (f"at most {money(cost)} {what}is more than the {money(self.left)} left of this month's "
                    f"{money(self.monthly_usd)} budget")
        return None
