"""Where the index lives and how it is replaced: the live symlink, build folders, the atomic
swap, sweeping old folders, opening an index for reading.

Crash safety: Whoosh commits by renaming a new TOC into place and never changes a segment;
a rebuild writes `index.<stamp>.build/`, renames it and swaps the `index` symlink, so a
reader sees the old index or the new one. A replaced folder stays KEEP_REPLACED_SECONDS.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import IndexCorrupt, IndexMissing, StorageError
from ..fsutil import atomic_write, fsync_dir

if TYPE_CHECKING:
    from whoosh.index import Index


from .filestore import DurableStorage, ReadStorage
from .schema import build_schema, schema_id

LIVE_NAME = "index"
META_NAME = "newsctl.json"
BUILD_SUFFIX = ".build"
INDEXNAME = "MAIN"  # Whoosh's default index name inside a storage
KEEP_REPLACED_SECONDS = 600
_TOC_RE = re.compile(rf"^_{INDEXNAME}_([0-9]+)\.toc$")
_SEGFILE_RE = re.compile(rf"^({INDEXNAME}_[0-9a-z]+)\.[A-Za-z0-9_.]+$")


# --- where the index lives -------------------------------------------------


def live_path(state_dir: Path) -> Path:
    return state_dir / LIVE_NAME


def live_folder(state_dir: Path) -> Path | None:
    """The real folder the live index is in (the symlink resolved), None when there is none."""
    live = live_path(state_dir)
    try:
        folder = live.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return folder if folder.is_dir() else None


def read_meta(index_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((index_dir / META_NAME).read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{index_dir / META_NAME}: unreadable ({e})", hint="run: newsctl index --rebuild") from None
    if not isinstance(data, dict):
        raise IndexCorrupt(f"{index_dir / META_NAME}: not a JSON object", hint="run: newsctl index --rebuild")
    return data


def index_state(state_dir: Path) -> str:
    """'missing', 'outdated' (older schema) or 'ok' — without opening Whoosh."""
    folder = live_folder(state_dir)
    if folder is None:
        return "missing"
    meta = read_meta(folder)
    return "ok" if meta.get("schema") == schema_id() else "outdated"


def latest_generation(folder: Path) -> int:
    """The newest committed Whoosh generation in `folder` (-1: none), from file names alone."""
    best = -1
    try:
        names = os.listdir(folder)
    except OSError:
        return -1
    for name in names:
        m = _TOC_RE.match(name)
        if m:
            best = max(best, int(m.group(1)))
    return best


# Set only in a worker forked by the newsctl server (engine/warm.py):
# (state dir, live folder) -> an index opened before the fork if it is still that
# folder's latest generation, else None. None in an ordinary run.
warm_index: Callable[[Path, Path], Any] | None = None


def open_index(state_dir: Path) -> Index:
    """The live index for reading; IndexMissing / IndexCorrupt with what to do.

    Opens the folder the `index` symlink points to (not the symlink), so a
    rebuild swapping the symlink meanwhile cannot mix two indexes in one read.
    """
    from whoosh.index import FileIndex

    for attempt in range(5):
        state = index_state(state_dir)
        if state == "missing":
            raise IndexMissing(f"no index in {state_dir}", hint="run: newsctl index")
        if state == "outdated":
            raise IndexMissing(
                f"the index in {state_dir} was made by another version of newsctl",
                hint="run: newsctl index (it rebuilds it)",
            )
        folder = live_folder(state_dir)
        if folder is None:
            continue
        if warm_index is not None:
            warm = warm_index(state_dir, folder)
            if warm is not None:
                return warm
        try:
            return FileIndex(ReadStorage(str(folder)), indexname=INDEXNAME)
        except FileNotFoundError:
            # the folder went away between resolving and opening (a rebuild
            # finished); look again
            time.sleep(0.05 * (attempt + 1))
            continue
        except Exception as e:  # Whoosh raises many kinds for a damaged folder
            raise IndexCorrupt(f"cannot open index {folder}: {e}", hint="run: newsctl check --repair") from None
    raise IndexCorrupt(f"cannot open index in {state_dir}: it keeps changing", hint="try again")


def open_folder(folder: Path) -> Index:
    """A Whoosh index over one real folder, with durable writes (IndexCorrupt when unreadable)."""
    from whoosh.index import FileIndex

    try:
        return FileIndex(DurableStorage(str(folder)), indexname=INDEXNAME)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            raise IndexMissing(f"no index in {folder}", hint="run: newsctl index") from None
        raise IndexCorrupt(f"cannot open index {folder}: {e}", hint="run: newsctl check --repair") from None
    except Exception as e:
        raise IndexCorrupt(f"cannot open index {folder}: {e}", hint="run: newsctl check --repair") from None


# --- folders: build, publish, sweep ----------------------------------------


def _stamp() -> str:
    now = time.time()
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now * 1e6) % 1_000_000:06d}-{os.getpid()}"


def create_fresh(state_dir: Path) -> Path:
    """An empty index folder beside the live one (`index.<stamp>.build`), not visible to readers."""
    from whoosh.index import FileIndex

    folder = state_dir / f"{LIVE_NAME}.{_stamp()}{BUILD_SUFFIX}"
    try:
        folder.mkdir(parents=True)
        atomic_write(folder / META_NAME, json.dumps({"schema": schema_id(), "created": folder.name}))
        FileIndex.create(DurableStorage(str(folder)), build_schema(), INDEXNAME)
    except (OSError, StorageError) as e:
        shutil.rmtree(folder, ignore_errors=True)
        reason = getattr(e, "strerror", None) or str(e)
        raise StorageError(f"cannot create an index in {state_dir}: {reason}") from None
    return folder


def finish_build(folder: Path) -> Path:
    """Rename a complete `index.<stamp>.build` to `index.<stamp>` (still not live)."""
    if not folder.name.endswith(BUILD_SUFFIX):
        return folder
    final = folder.with_name(folder.name[: -len(BUILD_SUFFIX)])
    try:
        os.rename(folder, final)
        fsync_dir(folder.parent)
    except OSError as e:
        raise StorageError(f"cannot publish index {folder}: {e.strerror or e}") from None
    return final


def publish(state_dir: Path, folder: Path) -> None:
    """Make `folder` the live index in one rename (a build folder is renamed first)."""
    folder = finish_build(folder)
    live = live_path(state_dir)
    previous = live_folder(state_dir) if live.is_symlink() else None
    tmp = state_dir / f".{LIVE_NAME}.link-{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        os.symlink(folder.name, tmp)
        if live.exists() and not live.is_symlink():
            # a plain folder from elsewhere: move it aside rather than lose it
            os.replace(live, state_dir / f"{LIVE_NAME}.{_stamp()}")
        os.replace(tmp, live)
        fsync_dir(state_dir)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"cannot switch to the new index in {state_dir}: {e.strerror or e}") from None
    if previous is not None and previous != folder:
        try:
            os.utime(previous)  # its mtime now says when it stopped being live
        except OSError:
            pass
    sweep(state_dir)


def sweep(state_dir: Path, *, keep_seconds: float = KEEP_REPLACED_SECONDS) -> list[Path]:
    """Remove orphaned build folders and index folders replaced long enough ago.

    Call with the write lock held (a build folder of a live writer would go).
    """
    live = live_folder(state_dir)
    removed: list[Path] = []
    now = time.time()
    try:
        children = list(state_dir.iterdir())
    except OSError:
        return removed
    for child in children:
        name = child.name
        if not name.startswith(LIVE_NAME + ".") or child.is_symlink() or not child.is_dir():
            if name.startswith(f".{LIVE_NAME}.link-"):
                child.unlink(missing_ok=True)
            continue
        if live is not None and child.resolve() == live:
            continue
        if not name.endswith(BUILD_SUFFIX):
            try:
                if now - child.stat().st_mtime < keep_seconds:
                    continue  # a reader may still be opening it
            except OSError:
                continue
        shutil.rmtree(child, ignore_errors=True)
        removed.append(child)
    return removed


def clean_folder(folder: Path) -> None:
    """Remove what a killed Whoosh writer leaves in `folder`: its temp folder,
    temporary TOCs and segment files no committed generation uses.

    Call with the write lock held.
    """
    from whoosh import index as windex

    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        path = folder / name
        if name == f"{INDEXNAME}.tmp" and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif name.startswith(f"_{INDEXNAME}_") and ".toc." in name:
            path.unlink(missing_ok=True)
        elif name.startswith(".") and name.endswith(".tmp"):
            path.unlink(missing_ok=True)  # an atomic_write temp file
    gen = latest_generation(folder)
    if gen < 0:
        return
    try:
        storage = DurableStorage(str(folder))
        toc = windex.TOC.read(storage, INDEXNAME, gen)
        windex.clean_files(storage, INDEXNAME, gen, toc.segments)
    except Exception:
        pass  # an unreadable TOC is for check/rebuild to deal with
