"""Time from the provider's first streamed piece to that text on screen in the window's Output tab.

A real window (offscreen Qt, qasync loop) over a real library; a scripted OpenAI-format server on
127.0.0.1 streams a briefing in twelve pieces 0.25 s apart (SSE). The server stamps its first piece
as it writes it; the view stamps the first redraw that holds streamed text. Prints the median and
range over 5 runs after a warm-up; run with `pytest tests/bench/bench_stream_preview.py -s`.
"""

from __future__ import annotations

import functools
import json

import keyring
import pytest

from tests.ai_helpers import ANTS, BEES, fake_key, trusted_memory_keyring
from tests.ai_servers import Scripted
from tests.ui.conftest import bugs, make_app, qloop  # noqa: F401 (the window fixtures)

pytestmark = pytest.mark.bench


def test_first_streamed_text_on_screen(make_app, qtbot, monkeypatch, tmp_path):  # noqa: F811
    from harvest_desktop.ai import keys
    from harvest_desktop.core.cancel import NEVER
    from harvest_desktop.services import routing
    from tests.fixtures_acquire import fast_index

    before = keyring.get_keyring()
    trusted_memory_keyring(monkeypatch)
    monkeypatch.setattr(routing, "semantic_embedder", lambda: None)
    fast_index.install()
    try:
        with Scripted("openai", [("ok", "{}")]) as srv:
            monkeypatch.setenv("HARVEST_OPENAI_BASE_URL", srv.url + "/v1")
            keys.set_key("openai", fake_key())
            w = make_app().window
            (tmp_path / "bees.md").write_text(BEES, encoding="utf-8")
            (tmp_path / "ants.md").write_text(ANTS, encoding="utf-8")
            w.add_items([str(tmp_path / "bees.md"), str(tmp_path / "ants.md")])
            qtbot.waitUntil(lambda: w.sources.all_ready_ticked() and not w.runner.running(), timeout=60000)
            gen = w.library.generation
            gen.generate = functools.partial(gen.generate, fresh=True)  # every run asks the server again
            ps = gen._generation_input(None, NEVER)[1]
            first = ps[0].text.split(". ")[0] + "."
            answer = json.dumps({"title": "Bee brief", "points": [{"text": first, "passages": [1]}] * 4})
            w.formats.select_format("briefing")
            w.formats.engine_combo.setCurrentIndex(w.formats.engine_combo.findData("openai"))
            lags, totals = [], []
            for _ in range(6):
                srv.script(("slow", answer, 0.25))
                sent = len(srv.first_sent)
                w.generate("briefing")
                view = w.output_view
                qtbot.waitUntil(lambda: view.first_shown_at is not None and len(srv.first_sent) > sent, timeout=60000)
                lags.append((view.first_shown_at - srv.first_sent[-1]) * 1000)
                qtbot.waitUntil(lambda: not w.runner.running("generate"), timeout=60000)
            lags = sorted(lags[1:])
    finally:
        keyring.set_keyring(before)
    print(f"\nProvider's first streamed piece → on screen in the Output tab (5 runs after a warm-up): median "
          f"{lags[len(lags) // 2]:.0f} ms, min {lags[0]:.0f} ms, max {lags[-1]:.0f} ms (redraw timer "
          f"{w.output_view._timer.interval()} ms; other jobs shared the 2 CPU cores)")
