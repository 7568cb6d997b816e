"""Rotating log files under paths.logs_dir(), with secrets masked before anything is written."""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from collections import deque
from pathlib import Path

from harvest_desktop.core import paths

LOG_FILE_NAME = "harvest.log"
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
MASK = "[REDACTED]"

# Marks the handlers this module installs, so a second call replaces them instead of adding more.
_MARK = "_harvest_handler"

# Provider key shapes. Order matters: the more specific prefixes come first.
_KEY_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}"),  # Anthropic
    re.compile(r"sk-[A-Za-z0-9_\-]{16,}"),  # OpenAI (incl. sk-proj-…), OpenRouter, DeepSeek
    re.compile(r"AIza[0-9A-Za-z_\-]{20,}"),  # Google / Gemini
    re.compile(r"\bhf_[A-Za-z0-9]{20,}"),  # Hugging Face
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),  # GitHub
    re.compile(r"\bxai-[A-Za-z0-9]{20,}"),  # xAI
    re.compile(r"\bgsk_[A-Za-z0-9]{20,}"),  # Groq
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\beyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}"),  # JWT
)

# A long opaque value right after a word that names a secret: "api_key=…", "token: …",
# "Authorization: Bearer …", '"x-api-key": "…"'. The name and separator are kept, the value masked.
_NAMED_SECRET = re.compile(
    r"(?i)(?P<name>\b[\w\-]*(?:key|token|secret|password|passwd|authorization|auth|credential)s?\b)"
    r"(?P<sep>[\"']?\s*(?:[:=]|\s)\s*[\"']?\s*(?:bearer\s+|basic\s+|token\s+)?)"
    r"(?P<value>[A-Za-z0-9+/_\-\.~=]{16,})"
)
# Credentials inside a URL: scheme://user:password@host (or just a token before the @).
_URL_USERINFO = re.compile(r"(?i)\b(?P<scheme>[a-z][a-z0-9+.\-]*://)(?P<userinfo>[^\s/@:]+(?::[^\s/@]*)?)@")
_BEARER = re.compile(r"(?i)\b(?P<scheme>bearer|basic)\s+(?P<value>[A-Za-z0-9+/_\-\.~=]{12,})")


def redact(text: str) -> str:
    """Mask anything that looks like an API key or credential; the rest of the text is unchanged."""
    if not text:
        return text
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(MASK, text)
    text = _URL_USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    text = _NAMED_SECRET.sub(_mask_named, text)
    text = _BEARER.sub(lambda m: f"{m.group('scheme')} {MASK}", text)
    return text


def _mask_named(match: re.Match[str]) -> str:
    value = match.group("value")
    if value == MASK.strip("[]") or MASK in value:
        return match.group(0)
    # After "name value" with only a space between, plain words ("key takeaways") are not
    # secrets: require a digit or mixed case. After "name=" or "name:" any long value is masked.
    explicit = any(ch in match.group("sep") for ch in ":=")
    if not explicit and not (re.search(r"\d", value) or (re.search(r"[a-z]", value) and re.search(r"[A-Z]", value))):
        return match.group(0)
    return f"{match.group('name')}{match.group('sep')}{MASK}"


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, arguments, traceback and stack text with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_current_log_path: Path | None = None


def _remove_our_handlers() -> None:
    """Remove and close the handlers setup_logging() installed, leaving anyone else's."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()


class _QuietRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A log file that cannot be written (disk full, folder gone read-only) is given up quietly:
    logging must never print tracebacks over the app's own one-line messages."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        self.failed = True
        try:
            if self.stream:
                self.stream.close()
        except OSError:
            pass
        self.stream = None  # type: ignore[assignment]

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self, "failed", False):
            return
        super().emit(record)


def setup_logging(level: int = logging.INFO, console: bool = False) -> Path | None:
    """Send the app's logs to a rotating file (and optionally stderr); safe to call again.

    When the log file cannot be opened (a read-only or missing data folder) warnings go to stderr
    instead and None is returned; the app carries on."""
    global _current_log_path
    _remove_our_handlers()
    root = logging.getLogger()

    formatter = logging.Formatter(FORMAT)
    redactor = RedactingFilter()
    log_path: Path | None = None
    try:
        log_path = paths.logs_dir() / LOG_FILE_NAME
        file_handler: logging.Handler = _QuietRotatingFileHandler(
            log_path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=False
        )
    except OSError:
        log_path = None
        file_handler = logging.StreamHandler(sys.stderr)
        level_for_stderr = max(level, logging.WARNING)
        file_handler.setLevel(level_for_stderr)
        console = False
    else:
        file_handler.setLevel(level)
    file_handler.setFormatter(formatter)
    file_handler.addFilter(redactor)
    setattr(file_handler, _MARK, True)
    root.addHandler(file_handler)

    if console:
        stream_handler = logging.StreamHandler(sys.stderr)
        stream_handler.setLevel(level)
        stream_handler.setFormatter(formatter)
        stream_handler.addFilter(redactor)
        setattr(stream_handler, _MARK, True)
        root.addHandler(stream_handler)

    root.setLevel(level)
    # Libraries that log every request at INFO would drown the app's own lines.
    for noisy in ("httpx", "httpcore", "urllib3", "asyncio", "LiteLLM", "litellm", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))

    _current_log_path = log_path
    return log_path


def current_log_path() -> Path | None:
    """The file setup_logging() writes to, or None when logging to a file was never set up."""
    return _current_log_path


def recent_log_lines(count: int = 40) -> list[str]:
    """The last lines of the current log file, redacted; empty when there is no log yet."""
    path = _current_log_path
    if path is None or not path.exists():
        return []
    for handler in logging.getLogger().handlers:
        if getattr(handler, _MARK, False):
            handler.flush()
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            lines = deque(fh, maxlen=count)
    except OSError:
        return []
    return [redact(line.rstrip("\n")) for line in lines]


def shutdown_logging() -> None:
    """Close the handlers setup_logging() installed (tests and clean exits)."""
    global _current_log_path
    _remove_our_handlers()
    _current_log_path = None
