"""Odd files and folders, made for real in a temporary folder: each costs one line, never the batch."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from harvest_desktop.acquire.discover import expand_items
from harvest_desktop.acquire.files import display_name, not_regular_reason, read_capped, read_file
from harvest_desktop.core.errors import BadInput, LimitExceeded

GOOD = "Photosynthesis turns light into chemical energy in the chloroplasts of green plants.\n"


def make_odd_folder(root: Path) -> dict[str, Path]:
    """A folder holding every kind of odd entry next to good files; returns the odd ones by kind."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "good.txt").write_text(GOOD)
    (root / "sub").mkdir()
    (root / "sub" / "good2.md").write_text("# Notes\n\n" + GOOD.replace("light", "sunlight"))
    odd = {
        "loop": root / "loop.txt",
        "loop_pair": root / "a.txt",
        "fifo": root / "pipe.txt",
        "zero": root / "zero.txt",
        "dangling": root / "gone.txt",
        "bad_utf8": Path(os.fsdecode(bytes(root) + b"/bad\xff\xfe.txt")),
    }
    os.symlink("loop.txt", odd["loop"])
    os.symlink("b.txt", odd["loop_pair"])
    os.symlink("a.txt", root / "b.txt")
    os.mkfifo(odd["fifo"])
    os.symlink("/dev/zero", odd["zero"])
    os.symlink(root / "nothing-here.txt", odd["dangling"])
    odd["bad_utf8"].write_bytes(b"some text in a file with a broken name")
    os.symlink("..", root / "sub" / "up")  # a folder loop: never followed
    newline = root / "evil\n2\tforged\tready.txt"
    newline.write_text(GOOD.replace("plants", "algae"))
    odd["newline"] = newline
    return odd


def test_folder_with_odd_entries_expands_with_one_line_each(tmp_path):
    odd = make_odd_folder(tmp_path / "in")
    started = time.monotonic()
    found, errors = expand_items([tmp_path / "in"])
    assert time.monotonic() - started < 5  # no FIFO read, no /dev/zero read
    names = sorted(Path(loc).name for _, loc, _ in found)
    assert names == ["evil\n2\tforged\tready.txt", "good.txt", "good2.md"]
    by_item = {Path(item).name: msg for item, msg in errors}
    assert "loop" in by_item["loop.txt"]
    assert "loop" in by_item["a.txt"] and "loop" in by_item["b.txt"]
    assert "named pipe" in by_item["pipe.txt"]
    assert "character device" in by_item["zero.txt"]
    assert "does not exist" in by_item["gone.txt"]
    assert "not valid UTF-8" in by_item["bad\\xff\\xfe.txt"]
    for item, msg in errors:  # every line can be printed and stays one line
        line = f"error: {item}: {msg}"
        line.encode("utf-8")
        assert "\n" not in line


def test_odd_items_given_directly(tmp_path):
    odd = make_odd_folder(tmp_path / "in")
    items = [odd["fifo"], odd["zero"], odd["loop"], odd["bad_utf8"], tmp_path / "in" / "good.txt"]
    result: dict = {}

    def run():
        result["value"] = expand_items(items)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "expanding a FIFO or /dev/zero hung"
    found, errors = result["value"]
    assert [Path(loc).name for _, loc, _ in found] == ["good.txt"]
    assert len(errors) == 4


def test_not_regular_reason_by_kind(tmp_path):
    odd = make_odd_folder(tmp_path / "in")
    assert not_regular_reason(tmp_path / "in" / "good.txt") is None
    assert "pipe" in not_regular_reason(odd["fifo"])
    assert "device" in not_regular_reason(odd["zero"])
    assert "loop" in not_regular_reason(odd["loop"])
    assert "folder" in not_regular_reason(tmp_path / "in")


def test_reads_are_capped_and_never_follow_into_devices(tmp_path):
    odd = make_odd_folder(tmp_path / "in")
    with pytest.raises(BadInput, match="device"):
        read_capped(odd["zero"], 1024)
    with pytest.raises(BadInput, match="pipe"):
        read_capped(odd["fifo"], 1024)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(LimitExceeded):
        read_capped(big, 4096)
    assert read_capped(big, 5000) == b"x" * 5000
    with pytest.raises(BadInput):
        read_file(odd["zero"])
    with pytest.raises(BadInput):
        read_file(odd["fifo"])


def test_display_name_keeps_one_line_and_shows_bad_bytes():
    assert display_name("evil\n2\tforged") == "evil\\n2\\tforged"
    assert display_name(os.fsdecode(b"bad\xff.txt")) == "bad\\xff.txt"
    assert display_name("Ünïcode ok.txt") == "Ünïcode ok.txt"


def test_url_list_is_read_capped_and_only_from_regular_files(tmp_path):
    urls = tmp_path / "list.txt"
    urls.write_text("https://example.org/a\nhttps://example.org/b\n")
    found, errors = expand_items([urls])
    assert [loc for _, loc, _ in found] == ["https://example.org/a", "https://example.org/b"]
    link = tmp_path / "dev.urls"
    os.symlink("/dev/zero", link)
    found, errors = expand_items([link])
    assert not found and "device" in errors[0][1]
