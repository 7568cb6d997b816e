"""Words the window shows: proper plurals, human timestamps, time left."""

from __future__ import annotations

from datetime import datetime, timedelta


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 item', '2 items', '1,597 chunks'."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def human_time(iso: str | None, now: datetime | None = None) -> str:
    """'today 20:45', 'yesterday 09:10', '28 Nov', '28 Nov 2025' from an ISO timestamp, in local time."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    when = when.astimezone() if when.tzinfo is not None else when
    now = now or (datetime.now(when.tzinfo) if when.tzinfo is not None else datetime.now())
    if when.date() == now.date():
        return f"today {when:%H:%M}"
    if when.date() == (now - timedelta(days=1)).date():
        return f"yesterday {when:%H:%M}"
    if when.year == now.year:
        return f"{when.day} {when:%b}"
    return f"{when.day} {when:%b %Y}"


def time_left(seconds: float) -> str:
    """'about 40 s left', 'about 3 min left', 'about 1 h 10 min left'."""
    if seconds < 1:
        return "almost done"
    if seconds < 60:
        return f"about {max(1, round(seconds / 5) * 5 if seconds > 10 else round(seconds))} s left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60} min left"
