"""Shared pieces for the gateway tests: a trusted in-memory key store, a small library, answers."""

from __future__ import annotations

import json

import keyring
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """Stands in for the system store in tests: lives in memory, never on disk."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError("not set")
        del self.store[(service, username)]


def trusted_memory_keyring(monkeypatch) -> MemoryKeyring:
    """Install a MemoryKeyring and put it on the allow-list for this test only."""
    from harvest_desktop.ai import keys

    backend = MemoryKeyring()
    before = keyring.get_keyring()
    monkeypatch.setattr(keys, "TRUSTED_BACKENDS",
                        keys.TRUSTED_BACKENDS | {f"{MemoryKeyring.__module__}:{MemoryKeyring.__name__}"})
    keyring.set_keyring(backend)
    monkeypatch.setattr(backend, "_restore", before, raising=False)
    return backend


def fake_key(prefix: str = "sk-proj-") -> str:
    """A well-formed key assembled at run time (so secret scanners do not flag the source)."""
    return prefix + "".join(chr(ord("a") + (i * 7) % 26) for i in range(20)) + "T3stK3y" + "9" * 17


ARTICLE = {  # passages numbered in reading order: 1, 2 from bees.md, 3 from ants.md
    "title": "How bees talk",
    "sections": [
        {"heading": "The waggle dance",
         "paragraphs": [{"text": "Honey bees communicate the location of food with the waggle dance.", "passages": [1]},
                        {"text": "The angle of the waggle run shows the direction of the food relative to the sun.",
                         "passages": [1, 2]}]},
        {"heading": "And ants?",
         "paragraphs": [{"text": "Ants lay pheromone trails to food, so short paths get stronger.", "passages": [3]}]},
    ],
}


def article_json() -> str:
    return json.dumps(ARTICLE)


BEES = ("# Bees\n\nHoney bees communicate the location of food with the waggle dance. The dancer moves "
        "in a figure of eight on the comb.\n\n## Direction\n\nThe angle of the waggle run relative to "
        "vertical shows the direction of the food relative to the sun. Longer runs mean the food is "
        "farther away.\n")
ANTS = ("# Ants\n\nAnts lay pheromone trails to food. Other ants follow the trail and reinforce it on "
        "the way back, so short paths get stronger.\n")


def small_library(library, tmp_path):
    """Two harvested text files (with stand-in vectors: no model load)."""
    from tests.fixtures_acquire import fast_index

    fast_index.install()
    a = tmp_path / "bees.md"
    a.write_text(BEES, encoding="utf-8")
    b = tmp_path / "ants.md"
    b.write_text(ANTS, encoding="utf-8")
    queued, problems = library.enqueue([a, b])
    results = library.harvest_sync([s.id for s in queued])
    assert all(r.ok for r in results), [r.line() for r in results]
    return library
