"""Saved searches: the `[watches]` table of the archive's `.newsctl/config.toml`.

A person may edit the table by hand; newsctl reads it with tomllib and changes it
with tomlkit, which keeps comments, order and layout, then writes the file
atomically. One watch a line:

    [watches]
    gaoxin = { query = "高新区" }
    ev = { query = "新能源 OR 电动车", category = ["emnews"], tag = "东财滚动新闻" }
    pork = "猪肉 OR 猪价"          # a bare string is a query alone

`category`/`tag` take a name or a list (any of them matches), as `search
--category/--tag` do; the query is the language of `search`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..config import Settings, archive_config_path, read_config
from ..errors import ConfigError, QueryError, UsageError
from ..fsutil import atomic_write
from .marks import small_lock

KEYS = ("query", "category", "tag")
NAME_MAX = 64
_BAD_NAME = re.compile(r"[\s\x00-\x1f\x7f\"'\\/]")
NEW_FILE_HEADER = "# newsctl settings for this archive (docs/usage.md). Watches: newsctl watch --help\n"


@dataclass(frozen=True, slots=True)
class Watch:
    name: str
    query: str
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def describe(self) -> str:
        """The query with its filters, as `watch list` shows it."""
        parts = [self.query]
        if self.categories:
            parts.append("[category " + " | ".join(self.categories) + "]")
        if self.tags:
            parts.append("[tag " + " | ".join(self.tags) + "]")
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "query": self.query, "categories": list(self.categories), "tags": list(self.tags)}


def config_path(settings: Settings) -> Path:
    return archive_config_path(settings.archive)


def _names(value: Any, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: '{key}' must be a name or a list of names")
    return tuple(v.strip() for v in value)


def _watch(name: str, value: Any, path: Path) -> Watch:
    where = f"{path}: watch {name!r}"
    if isinstance(value, str):
        value = {"query": value}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: must be a query string or a table with 'query'")
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}", hint=f"known keys: {', '.join(KEYS)}")
    query = value.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ConfigError(f"{where}: needs a non-empty 'query'")
    return Watch(name, query.strip(), _names(value.get("category"), "category", where), _names(value.get("tag"), "tag", where))


def load_watches(settings: Settings) -> list[Watch]:
    """Every watch, in the file's order ([] when there is no file or no table)."""
    path = config_path(settings)
    table = read_config(path).get("watches", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'watches' must be a table ([watches])")
    return [_watch(name, value, path) for name, value in table.items()]


def select(watches: list[Watch], names: Iterable[str]) -> list[Watch]:
    """The watches named (all of them when none is), in the order given; UsageError for an unknown name."""
    names = list(names)
    if not names:
        return watches
    by_name = {w.name: w for w in watches}
    out: list[Watch] = []
    for name in names:
        if name not in by_name:
            known = ", ".join(by_name) or "none yet (newsctl watch add NAME QUERY)"
            raise UsageError(f"no watch named {name!r}", hint=f"watches: {known}")
        if by_name[name] not in out:
            out.append(by_name[name])
    return out


def check_name(name: str) -> str:
    name = name.strip()
    if not name or name.startswith("-") or len(name) > NAME_MAX or _BAD_NAME.search(name):
        raise UsageError(
            f"bad watch name {name!r}",
            hint=f"letters (Chinese too), digits, '-', '_', '.'; at most {NAME_MAX} characters; not starting with '-'",
        )
    return name


def check_query(watch: Watch, settings: Settings) -> None:
    """Refuse a query `search` would refuse, with the parser's own message."""
    from ..query import parse_query

    try:
        parse_query(watch.query, settings.timezone)
    except QueryError as e:
        raise QueryError(f"watch {watch.name!r}: {e.message}", hint=e.hint) from None


# --- editing the file (tomlkit keeps what a person wrote) ------------------------


def _edit(settings: Settings, change: Any) -> None:
    """Apply `change(watches_table)` to the config file and write it back atomically."""
    import tomllib

    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    path = config_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"cannot create {path.parent}: {e.strerror or e}") from None
    with small_lock(path.parent):
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            text = ""
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: cannot read config: {e}") from None
        try:
            doc = tomlkit.parse(text)
        except TOMLKitError as e:
            raise ConfigError(f"{path}: bad config: {e}") from None
        if "watches" not in doc:
            if not text.strip():
                doc.add(tomlkit.comment(NEW_FILE_HEADER[2:].rstrip("\n")))
            doc["watches"] = tomlkit.table()
        table = doc["watches"]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: 'watches' must be a table ([watches])")
        change(table)
        out = tomlkit.dumps(doc)
        try:
            tomllib.loads(out)  # never write a file the next run cannot read
        except tomllib.TOMLDecodeError as e:  # pragma: no cover - a tomlkit bug
            raise ConfigError(f"{path}: the edited config would not parse ({e}); left unchanged") from None
        atomic_write(path, out)


def add_watch(settings: Settings, watch: Watch) -> None:
    """Save `watch`; UsageError when the name is taken, QueryError for a bad query."""
    import tomlkit

    check_name(watch.name)
    check_query(watch, settings)
    if not watch.query.strip():
        raise UsageError("a watch needs a query")
    path = config_path(settings)

    def change(table: Any) -> None:
        if watch.name in table:
            raise UsageError(f"{path}: a watch named {watch.name!r} exists", hint=f"newsctl watch rm {watch.name} first")
        entry = tomlkit.inline_table()
        entry["query"] = watch.query
        if watch.categories:
            entry["category"] = list(watch.categories)
        if watch.tags:
            entry["tag"] = list(watch.tags)
        table[watch.name] = entry

    load_watches(settings)  # refuse to edit a file that does not read now
    _edit(settings, change)


def remove_watch(settings: Settings, name: str) -> None:
    path = config_path(settings)

    def change(table: Any) -> None:
        if name not in table:
            known = ", ".join(table) or "none"
            raise UsageError(f"{path}: no watch named {name!r}", hint=f"watches: {known}")
        del table[name]

    _edit(settings, change)
