"""The app works with none of what the bundle now leaves out (packaging/bundle_filters.py).

Each CLI command runs in its own process in which torch, sentence-transformers, transformers,
scipy, sklearn, huggingface_hub, safetensors and onnx cannot be imported, and the embedder finds
only a prebuilt graph (as the bundle ships it) - so any code path that still needs one of them fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.index_texts import PHOTOSYNTHESIS, VOLCANOES

ROOT = Path(__file__).resolve().parents[2]
LEFT_OUT = ["torch", "sentence_transformers", "transformers", "scipy", "sklearn", "huggingface_hub",
            "safetensors", "onnx"]

_RUN = (
    "import sys\n"
    f"for name in {LEFT_OUT!r}:\n"
    "    sys.modules[name] = None  # import -> ImportError, as in the bundle\n"
    "from harvest_desktop.cli import main\n"
    "code = main(sys.argv[1:])\n"
    f"bad = [m for m in {LEFT_OUT!r} if sys.modules.get(m) is not None]\n"
    "assert not bad, bad\n"
    "sys.exit(code)\n"
)


def _harvest(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _RUN, *args], env=env, capture_output=True, text=True,
                          timeout=600)


def test_add_search_concepts_generate_without_the_left_out_libraries(tmp_path):
    from harvest_desktop.index import embedder
    from harvest_desktop.index.onnx_model import build_onnx

    from harvest_desktop.index.onnx_model import quantize_int8

    models = tmp_path / "harvest_models"
    build_onnx(embedder.model_dir(), tmp_path / embedder.PREBUILT_NAME)  # what harvest.spec does
    # like harvest.spec, into a folder that does not exist yet (a fresh build folder)
    quantize_int8(tmp_path / embedder.PREBUILT_NAME, models / embedder.PREBUILT_INT8_NAME)
    env = dict(os.environ, PYTHONPATH=str(ROOT), HARVEST_HOME=str(tmp_path / "home"), HARVEST_ONNX_DIR=str(models),
               HARVEST_MODEL_CACHE=str(tmp_path / "no-cache"))
    env.pop("HARVEST_EMBED_BACKEND", None)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "photo.md").write_text(PHOTOSYNTHESIS, encoding="utf-8")
    (docs / "volc.md").write_text(VOLCANOES, encoding="utf-8")

    add = _harvest(env, "add", str(docs))
    assert add.returncode == 0, add.stdout + add.stderr
    search = _harvest(env, "search", "where does the Calvin cycle happen")
    assert search.returncode == 0, search.stderr
    assert search.stdout.startswith("1. [") and "stroma" in search.stdout.split("2. [")[0]
    concepts = _harvest(env, "concepts", "--limit", "5")
    assert concepts.returncode == 0, concepts.stderr
    assert concepts.stdout.strip()
    out = tmp_path / "guide.md"
    gen = _harvest(env, "generate", "study-guide", "-o", str(out))
    assert gen.returncode == 0, gen.stderr
    assert out.read_text(encoding="utf-8").strip()
    assert not (tmp_path / "no-cache").exists() or not any((tmp_path / "no-cache").iterdir())
