"""`harvest resume`: the items a Cancel in the window left as Cancelled are harvested from the CLI."""

from __future__ import annotations

from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.errors import Cancelled
from tests.integration.test_cli import harvest
from tests.samples import write_markdown, write_pdf


def _cancelled_in_the_window(home, tmp_path) -> None:
    """What the window's Cancel leaves: every unfinished item Cancelled (kept across launches)."""
    from harvest_desktop.core import status
    from harvest_desktop.library import Library

    lib = Library()
    try:
        lib.enqueue([write_markdown(tmp_path / "photosynthesis.md"), write_pdf(tmp_path / "volcanoes.pdf"),
                     write_markdown(tmp_path / "tides.md", "# Tides\n\nA tide is the rise and fall of the sea "
                                    "caused by the Moon and the Sun.\n")])
        token = CancelToken()
        token.cancel()
        try:
            lib.sources.harvest_sync(cancel=token, on_cancel=status.CANCELLED)
        except Cancelled:
            pass
        assert {s.status for s in lib.sources.all()} == {status.CANCELLED}
    finally:
        lib.close()


def _statuses(home) -> dict[str, str]:
    rows = [ln.split("\t") for ln in harvest("list", home=home).stdout.splitlines()]
    return {r[1]: r[2].split()[0] for r in rows}


def test_resume_named_then_all_then_nothing(tmp_path, harvest_home):
    _cancelled_in_the_window(harvest_home, tmp_path)
    res = harvest("resume", "volcanoes.pdf", home=harvest_home)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("ok: #2 ") and "volcanoes" in res.stdout and res.stdout.count("ok: ") == 1
    assert _statuses(harvest_home) == {"photosynthesis.md": "cancelled", "volcanoes.pdf": "ready",
                                       "tides.md": "cancelled"}

    named_ready = harvest("resume", "2", home=harvest_home)  # nothing to do for a ready item: said, not an error
    assert named_ready.returncode == 0 and "nothing to resume (ready)" in named_ready.stdout

    res = harvest("resume", home=harvest_home)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("ok: ") == 2 and "photosynthesis.md" in res.stdout and "tides.md" in res.stdout
    assert set(_statuses(harvest_home).values()) == {"ready"}

    again = harvest("resume", home=harvest_home)
    assert again.returncode == 0 and again.stdout.strip() == "nothing to resume: no item is cancelled or unfinished"

    unknown = harvest("resume", "no-such-file.pdf", home=harvest_home)
    assert unknown.returncode == 1 and "no source matches 'no-such-file.pdf'" in unknown.stderr
