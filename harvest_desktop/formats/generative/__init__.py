"""Formats written by a model through the AI gateway: one module per format (schema, prompt, parsing),
the shared machinery in base.py, prompts in resources/prompts/ (a copy in the data folder wins)."""

from __future__ import annotations

_MODULES = {"study-guide": "study_guide", "quiz": "quiz", "flashcards": "flashcards", "briefing": "briefing",
            "faq": "faq", "answer": "answer", "blog-post": "blog_post", "video-script": "video_script"}

KEYS = tuple(_MODULES)


def format_for(key: str, opts):
    """The model-made format object for a format key (None when no model writes that format)."""
    import importlib

    name = _MODULES.get(key)
    if name is None:
        return None
    return importlib.import_module(f"harvest_desktop.formats.generative.{name}").FORMAT(opts)
