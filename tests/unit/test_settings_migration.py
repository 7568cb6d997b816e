"""Old settings files load into today's Settings; the data folder choice is honoured at start-up."""

from __future__ import annotations

import json
import os

import pytest

from harvest_desktop.core import paths
from harvest_desktop.core import settings as settings_mod
from harvest_desktop.core.settings import SCHEMA_VERSION, Settings, migrate


def test_schema_version_has_a_migration_for_every_step():
    for version in range(SCHEMA_VERSION):
        assert version in settings_mod.MIGRATIONS


def test_unversioned_file_migrates(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"engine": "ollama", "theme": "dark", "monthly_budget_usd": 12}))
    loaded = Settings.load(path)
    assert loaded.schema_version == SCHEMA_VERSION
    assert loaded.default_engine == "ollama"
    assert loaded.theme == "dark"
    assert loaded.monthly_budget_usd == 12.0
    assert loaded.data_folder == ""


def test_version_1_file_migrates(tmp_path):
    path = tmp_path / "settings.json"
    v1 = {
        "schema_version": 1,
        "theme": "light",
        "output_language": "de",
        "default_engine": "cloud",
        "monthly_budget_usd": 3.5,
        "first_run_done": True,
        "last_export_dir": "",
        "watched_folders": ["/tmp/notes"],
        "limits": {"max_pages": 50, "parse_timeout_s": 12.0},
        "web": {"concurrency": 3},
    }
    path.write_text(json.dumps(v1))
    loaded = Settings.load(path)
    assert loaded.schema_version == SCHEMA_VERSION
    assert loaded.data_folder == ""
    assert (loaded.theme, loaded.output_language, loaded.default_engine) == ("light", "de", "cloud")
    assert loaded.first_run_done is True
    assert loaded.watched_folders == ["/tmp/notes"]
    assert loaded.limits.max_pages == 50 and loaded.limits.parse_timeout_s == 12.0
    assert loaded.web.concurrency == 3
    # saved again, the file is at today's version and loads unchanged
    loaded.save(path)
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION
    assert Settings.load(path) == loaded


def test_migrate_keeps_an_existing_data_folder():
    raw = migrate({"schema_version": 1, "data_folder": "/srv/harvest"})
    assert raw["data_folder"] == "/srv/harvest"


def test_round_trip_with_data_folder(tmp_path):
    s = Settings(data_folder=str(tmp_path / "lib"), theme="dark")
    s.save()
    assert Settings.load() == s


@pytest.fixture
def fake_default_dir(tmp_path, monkeypatch):
    default = tmp_path / "platform-default"
    monkeypatch.setattr(settings_mod, "default_data_dir", lambda: default)
    monkeypatch.delenv(paths.ENV_HOME, raising=False)
    monkeypatch.delenv(settings_mod._ENV_FROM_SETTINGS, raising=False)
    return default


def test_apply_data_folder_choice(fake_default_dir, tmp_path, monkeypatch):
    chosen = tmp_path / "my-library"
    Settings(data_folder=str(chosen), theme="dark").save(fake_default_dir / "settings.json")
    monkeypatch.setattr(paths, "data_dir", lambda: fake_default_dir)  # nothing may touch $HOME

    assert settings_mod.apply_data_folder_choice() == chosen
    assert os.environ[paths.ENV_HOME] == str(chosen)
    carried = Settings.load(chosen / "settings.json")
    assert carried.theme == "dark"  # first start there keeps the person's settings


def test_no_choice_means_default(fake_default_dir):
    assert settings_mod.apply_data_folder_choice() is None
    assert paths.ENV_HOME not in os.environ


def test_user_harvest_home_wins(fake_default_dir, tmp_path, monkeypatch):
    Settings(data_folder=str(tmp_path / "chosen")).save(fake_default_dir / "settings.json")
    monkeypatch.setenv(paths.ENV_HOME, str(tmp_path / "from-env"))
    assert settings_mod.home_overridden_by_environment()
    assert settings_mod.apply_data_folder_choice() is None
    assert os.environ[paths.ENV_HOME] == str(tmp_path / "from-env")


def test_remember_data_folder_updates_bootstrap_when_redirected(fake_default_dir, tmp_path):
    chosen = tmp_path / "elsewhere"
    Settings(data_folder=str(chosen)).save(fake_default_dir / "settings.json")
    settings_mod.apply_data_folder_choice()
    settings_mod.remember_data_folder("")  # back to the default on the next start
    assert Settings.load(fake_default_dir / "settings.json").data_folder == ""
