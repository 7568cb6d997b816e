"""What a drop, a paste or a URL-list file turns into; watched folders report settled new files once."""

from __future__ import annotations

from pathlib import Path

from harvest_desktop.acquire.discover import expand_items
from harvest_desktop.acquire.watch import FolderWatcher
from harvest_desktop.acquire.web import is_url, read_url_list, urls_from_text


def test_uri_list_rules():
    text = "# dropped from a browser\r\nhttps://a.example/one\r\nhttps://b.example/two?x=1#frag\r\n\r\n#https://c.example/\n"
    assert urls_from_text(text) == ["https://a.example/one", "https://b.example/two?x=1#frag"]


def test_urls_from_plain_text():
    text = ("See https://en.wikipedia.org/wiki/Bee_(disambiguation), and (http://x.example/a). "
            "Also http://x.example/a again; ftp://nope.example/ is ignored. www.notaurl")
    assert urls_from_text(text) == ["https://en.wikipedia.org/wiki/Bee_(disambiguation)", "http://x.example/a"]
    assert is_url("https://a.example/x") and not is_url("https:// spaced") and not is_url("mailto:a@b")


def test_url_list_files(tmp_path):
    lst = tmp_path / "reading.urls"
    lst.write_text("# week 1\nhttps://a.example/1\nhttps://a.example/2\n", encoding="utf-8")
    txt = tmp_path / "links.txt"
    txt.write_text("https://b.example/1\n\nhttps://b.example/2\n", encoding="utf-8")
    prose = tmp_path / "prose.txt"
    prose.write_text("A note that mentions https://c.example/ in passing.\n", encoding="utf-8")
    assert read_url_list(lst) == ["https://a.example/1", "https://a.example/2"]
    found, errors = expand_items([lst, txt, prose])
    assert [(k, loc) for k, loc, _ in found] == [
        ("url", "https://a.example/1"), ("url", "https://a.example/2"),
        ("url", "https://b.example/1"), ("url", "https://b.example/2"),
        ("file", str(prose.resolve()))]
    assert errors == []


def test_folders_recursive_with_type_filter(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/x.pdf", "a/b/y.docx", "a/b/z.md", "a/ignore.exe", "a/.hidden.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found, errors = expand_items([tmp_path / "a"])
    assert sorted(Path(loc).name for _, loc, _ in found) == ["x.pdf", "y.docx", "z.md"]
    found, _ = expand_items([tmp_path / "a"], kinds=["pdf", ".docx"])
    assert sorted(Path(loc).name for _, loc, _ in found) == ["x.pdf", "y.docx"]
    found, errors = expand_items([tmp_path / "a"], kinds=["epub"])
    assert found == [] and "chosen types" in errors[0][1]
    found, errors = expand_items(["ftp://x.example/f", "https://ok.example/", "file://" + str(tmp_path / "a/x.pdf"),
                                  str(tmp_path / "missing.pdf")])
    assert [k for k, _, _ in found] == ["url", "file"]
    assert len(errors) == 2 and "only http and https" in errors[0][1]


def test_watcher_debounces_and_skips_duplicates(tmp_path):
    seen: list[list[Path]] = []
    (tmp_path / "old.md").write_text("# Old", encoding="utf-8")
    w = FolderWatcher([tmp_path], seen.append, settle_s=1.0, include_existing=False)
    assert w.poll(now=0.0) == []
    new = tmp_path / "new.md"
    new.write_text("# New", encoding="utf-8")
    (tmp_path / "skip.exe").write_text("x", encoding="utf-8")
    assert w.poll(now=1.0) == []  # first sighting: wait for it to settle
    assert w.poll(now=1.5) == []  # not settled long enough
    assert w.poll(now=2.1) == [new.resolve()]
    assert w.poll(now=3.5) == []  # reported once
    new.write_text("# New, longer now", encoding="utf-8")  # changed: reported again once settled
    assert w.poll(now=4.0) == []
    assert w.poll(now=5.1) == [new.resolve()]
    assert seen == [[new.resolve()], [new.resolve()]]


def test_watcher_thread_reports_existing_files(tmp_path):
    import threading

    got = threading.Event()
    box: list[Path] = []

    def cb(paths: list[Path]) -> None:
        box.extend(paths)
        got.set()

    (tmp_path / "a.txt").write_text("hello", encoding="utf-8")
    w = FolderWatcher([tmp_path], cb, interval_s=0.05, settle_s=0.0)
    w.start()
    try:
        assert got.wait(10)
    finally:
        w.stop()
    assert box == [(tmp_path / "a.txt").resolve()]
