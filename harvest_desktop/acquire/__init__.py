"""Getting text in: local files (per-format readers, run contained) and the web (polite fetch)."""
