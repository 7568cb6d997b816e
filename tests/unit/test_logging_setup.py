"""Log files rotate under the data folder, never hold a key, and setup can run twice."""

from __future__ import annotations

import logging

import pytest

from harvest_desktop.core import logging_setup, paths
from harvest_desktop.core.logging_setup import MASK, redact, setup_logging

# Planted fake keys, assembled at run time so that secret scanners do not flag this file.
FAKE_OPENAI = "sk-" + "proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34"
FAKE_ANTHROPIC = "sk-ant-" + "api03-ZyXwVu987654321TsRqPo"
FAKE_GEMINI = "AIza" + "SyD-FakeFakeFake1234567890abcdEFG"
FAKE_HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"


@pytest.fixture(autouse=True)
def _clean_logging():
    yield
    logging_setup.shutdown_logging()


def _own_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_harvest_handler", False)]


def test_log_file_lives_in_logs_dir(harvest_home):
    path = setup_logging()
    assert path.parent == paths.logs_dir()
    assert str(path).startswith(str(harvest_home))
    logging.getLogger("harvest_desktop.test").info("hello from the test")
    for h in _own_handlers():
        h.flush()
    assert "hello from the test" in path.read_text(encoding="utf-8")


def test_setup_twice_does_not_duplicate_handlers():
    setup_logging()
    setup_logging()
    assert len(_own_handlers()) == 1
    setup_logging(console=True)
    assert len(_own_handlers()) == 2
    setup_logging()
    assert len(_own_handlers()) == 1
    path = setup_logging()
    logging.getLogger("harvest_desktop.test").warning("once only")
    for h in _own_handlers():
        h.flush()
    assert path.read_text(encoding="utf-8").count("once only") == 1


def test_handler_rotates():
    setup_logging()
    (handler,) = _own_handlers()
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert handler.maxBytes == 1024 * 1024 and handler.backupCount == 5


def test_planted_keys_are_masked_in_the_log_file():
    path = setup_logging(level=logging.DEBUG)
    log = logging.getLogger("harvest_desktop.test")
    log.info("calling with key %s", FAKE_OPENAI)
    log.info("anthropic=%s gemini=%s", FAKE_ANTHROPIC, FAKE_GEMINI)
    log.info("headers: {'Authorization': 'Bearer %s'}", "abcDEF0123456789ghiJKL")
    log.info("api_key=%s", FAKE_HEX)
    log.info("token: %s", "ZmFrZS1zZWNyZXQtdG9rZW4tdmFsdWUx")
    try:
        raise RuntimeError(f"provider rejected {FAKE_OPENAI}")
    except RuntimeError:
        log.exception("request failed")
    for h in _own_handlers():
        h.flush()
    text = path.read_text(encoding="utf-8")
    for secret in (FAKE_OPENAI, FAKE_ANTHROPIC, FAKE_GEMINI, FAKE_HEX, "abcDEF0123456789ghiJKL",
                   "ZmFrZS1zZWNyZXQtdG9rZW4tdmFsdWUx"):
        assert secret not in text
    assert text.count(MASK) >= 7
    assert "request failed" in text and "RuntimeError" in text


@pytest.mark.parametrize(
    "text",
    [
        "key concepts: photosynthesis and respiration",
        "token count 1234 of 8000",
        "the tokenizer splits words",
        "https://example.org/articles/2024/how-plants-work",
        "sha of the file is listed below",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text


def test_recent_lines_are_redacted():
    setup_logging()
    logging.getLogger("harvest_desktop.test").info("line with %s", FAKE_GEMINI)
    lines = logging_setup.recent_log_lines(5)
    assert lines and FAKE_GEMINI not in "\n".join(lines)
