from pathlib import Path

import pytest

from newsctl.config import find_archive, resolve_settings
from newsctl.errors import ArchiveNotFound, ConfigError, UsageError


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    (tmp_path / "arc" / "_posts" / "2022").mkdir(parents=True)
    return tmp_path / "arc"


def test_archive_is_found_from_a_subfolder(archive: Path):
    assert find_archive(archive / "_posts" / "2022") == archive.resolve()


def test_flag_beats_environment_beats_current_folder(archive: Path, tmp_path: Path):
    other = tmp_path / "other"
    (other / "_posts").mkdir(parents=True)
    env = {"NEWSCTL_ARCHIVE": str(other), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert resolve_settings(archive=archive, env=env, cwd=archive).archive == archive.resolve()
    assert resolve_settings(env=env, cwd=archive).archive == other.resolve()
    env.pop("NEWSCTL_ARCHIVE")
    assert resolve_settings(env=env, cwd=archive / "_posts").archive == archive.resolve()


def test_no_archive_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ArchiveNotFound) as err:
        resolve_settings(env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")}, cwd=tmp_path)
    assert "--archive" in str(err.value)


def test_archive_config_sets_timezone_and_flags_override_it(archive: Path, tmp_path: Path):
    (archive / ".newsctl").mkdir()
    (archive / ".newsctl" / "config.toml").write_text('timezone = "Europe/Paris"\nlimit = 5\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    s = resolve_settings(archive=archive, env=env)
    assert (str(s.timezone), s.limit) == ("Europe/Paris", 5)
    assert str(resolve_settings(archive=archive, env=env, timezone="UTC").timezone) == "UTC"


def test_bad_config_names_the_file(archive: Path, tmp_path: Path):
    (archive / ".newsctl").mkdir()
    bad = archive / ".newsctl" / "config.toml"
    bad.write_text("timezone = \n")
    with pytest.raises(ConfigError) as err:
        resolve_settings(archive=archive, env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert str(bad) in str(err.value)
    bad.write_text('colour = "never"\n')
    with pytest.raises(ConfigError, match="unknown config key 'colour'"):
        resolve_settings(archive=archive, env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})


def test_unknown_timezone_is_a_usage_error(archive: Path, tmp_path: Path):
    with pytest.raises(UsageError, match="Mars/Olympus"):
        resolve_settings(archive=archive, timezone="Mars/Olympus", env={"XDG_CONFIG_HOME": str(tmp_path)})
