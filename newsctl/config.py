"""Settings resolved once per run: flags > environment > archive config > user config > defaults.

Config files are TOML: `<archive>/.newsctl/config.toml` and
`$XDG_CONFIG_HOME/newsctl/config.toml` (default `~/.config/newsctl/`). Keys:

    archive  = "~/news"          # user config only: the default archive
    timezone = "Asia/Shanghai"   # the archive's timezone for dates without an offset
    limit    = 10                # default number of search results on a terminal
    color    = "auto"            # auto | always | never

    [watches]                    # archive config only: saved searches (newsctl watch, news)
    gaoxin = { query = "高新区" }
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ArchiveNotFound, ConfigError, UsageError

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_LIMIT = 10
STATE_DIRNAME = ".newsctl"
POSTS_DIRNAME = "_posts"
COLOR_CHOICES = ("auto", "always", "never")
KNOWN_KEYS = {"archive", "timezone", "limit", "color", "watches"}
ARCHIVE_ONLY_KEYS = ("watches",)  # an archive's own; not in the user config


@dataclass(frozen=True, slots=True)
class Settings:
    archive: Path
    state_dir: Path  # <archive>/.newsctl, or --index-dir / NEWSCTL_INDEX_DIR
    timezone: ZoneInfo
    limit: int
    color: str

    @property
    def posts_dir(self) -> Path:
        return self.archive / POSTS_DIRNAME

    @property
    def root(self) -> Path:
        return self.archive

    def rel(self, path: Path) -> str:
        """A path inside the archive as the index names it (relative, `/`-separated, links resolved)."""
        return path.resolve().relative_to(self.archive).as_posix()


def archive_config_path(root: Path) -> Path:
    """`<archive>/.newsctl/config.toml`: beside the posts, even when --index-dir moves the index."""
    return root / STATE_DIRNAME / "config.toml"


def user_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "newsctl" / "config.toml"


def read_config(path: Path) -> dict[str, Any]:
    """A config file's table, {} when absent; ConfigError naming the file otherwise."""
    import tomllib

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise ConfigError(f"{path}: cannot read config: {e.strerror}") from None
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: bad config: {e}") from None
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"{path}: unknown config key {sorted(unknown)[0]!r}",
            hint=f"known keys: {', '.join(sorted(KNOWN_KEYS))}",
        )
    return table


def find_archive(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds `_posts/`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / POSTS_DIRNAME).is_dir():
            return folder
    return None


def parse_timezone(name: str, origin: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown timezone {name!r} ({origin})", hint="use an IANA name such as Asia/Shanghai") from None


def resolve_settings(
    *,
    archive: Path | None = None,
    index_dir: Path | None = None,
    timezone: str | None = None,
    color: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    require_posts_dir: bool = True,
) -> Settings:
    """Decide every setting once, saying where a bad value came from."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    user_path = user_config_path(env)
    user = read_config(user_path)
    for key in ARCHIVE_ONLY_KEYS:
        if key in user:
            raise ConfigError(f"{user_path}: '{key}' belongs in an archive's .newsctl/config.toml")

    if archive is not None:
        root, origin = archive, "--archive"
    elif env.get("NEWSCTL_ARCHIVE"):
        root, origin = Path(env["NEWSCTL_ARCHIVE"]), "NEWSCTL_ARCHIVE"
    else:
        found = find_archive(cwd)
        if found is not None:
            root, origin = found, "current directory"
        elif "archive" in user:
            root, origin = Path(str(user["archive"])), str(user_path)
        else:
            raise ArchiveNotFound(
                f"no archive: no _posts/ folder at or above {cwd}",
                hint="pass --archive DIR or set NEWSCTL_ARCHIVE",
            )
    root = root.expanduser()
    if not root.is_dir():
        raise ArchiveNotFound(f"archive {root} ({origin}) is not a folder")
    if require_posts_dir and not (root / POSTS_DIRNAME).is_dir():
        raise ArchiveNotFound(
            f"{root} ({origin}) has no {POSTS_DIRNAME}/ folder",
            hint=f"create {root / POSTS_DIRNAME} or point --archive at an archive",
        )
    root = root.resolve()

    state_dir = index_dir or (Path(env["NEWSCTL_INDEX_DIR"]) if env.get("NEWSCTL_INDEX_DIR") else None)
    state_dir = (state_dir.expanduser().resolve() if state_dir else root / STATE_DIRNAME)
    local_path = archive_config_path(root)
    local = read_config(local_path)
    if "archive" in local:
        raise ConfigError(f"{local_path}: 'archive' belongs in {user_path}, not in an archive's config")
    merged = {**user, **local}

    def origin(key: str) -> str:
        """The file a merged value came from, for error messages."""
        return str(local_path if key in local else user_path)

    if timezone:
        tz = parse_timezone(timezone, "--timezone")
    elif env.get("NEWSCTL_TIMEZONE"):
        tz = parse_timezone(env["NEWSCTL_TIMEZONE"], "NEWSCTL_TIMEZONE")
    else:
        tz = parse_timezone(str(merged.get("timezone", DEFAULT_TIMEZONE)), f"'timezone' in {origin('timezone')}")

    limit = merged.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise ConfigError(f"{origin('limit')}: 'limit' must be a whole number >= 0, not {limit!r}")

    col = color or str(merged.get("color", "auto"))
    if col not in COLOR_CHOICES:
        where = "--color" if color else f"{origin('color')}: 'color'"
        raise ConfigError(f"{where} must be one of {', '.join(COLOR_CHOICES)}, not {col!r}")
    return Settings(archive=root, state_dir=state_dir, timezone=tz, limit=limit, color=col)
