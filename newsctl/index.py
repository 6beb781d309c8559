"""The Whoosh index: schema, where it lives, documents from posts, records back out.

This module (with analysis/query/search) is the only user of `whoosh`.

Layout under the state folder (`<archive>/.newsctl/`):

    index                 symlink -> index.<stamp>/, swapped atomically (os.replace)
    index.<stamp>/        a Whoosh FileStorage, plus
        newsctl.json      schema version (written before the first commit)
        manifest.json     what the index holds, tied to one Whoosh generation
    index.<stamp>.build/  a rebuild in progress (an orphan after a crash)

Crash safety comes from three rules:

* Whoosh commits by writing `_MAIN_<gen>.toc` under a temporary name and
  renaming it into place; segment files are never changed once written, and
  deletions live in the TOC. A writer killed at any point leaves the previous
  generation readable (leftover files are swept by the next writer). Our
  storage also fsyncs each segment and TOC before that rename.
* A rebuild writes `index.<stamp>.build/`, renames it to `index.<stamp>/`
  and swaps the `index` symlink, so readers see the old index or the new
  one, never a partial one. Readers open the folder the symlink points to,
  not the symlink, so one search never mixes two folders. A replaced folder
  stays for `KEEP_REPLACED_SECONDS` for readers that had just opened it.
* `manifest.json` (path -> file stat and content digest, the index files'
  checksums, posts that could not be read) names the generation it describes.
  When that is not the live generation (a writer died between its commit and
  the manifest), it is rebuilt from the stored fields, which hold the same
  stat and digest for every document. So the manifest is a cache that makes a
  run with nothing to do cheap; the index stays the truth.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .errors import IndexBusy, IndexCorrupt, IndexMissing, NewsctlError, StorageError
from .fsutil import atomic_write, fsync_dir
from .records import PostRecord

if TYPE_CHECKING:
    from whoosh.index import Index
    from whoosh.searching import Searcher

    from .post import Post

# 2: stored digest/ino/ctime_ns/checked_ns for change detection
SCHEMA_VERSION = 2
LIVE_NAME = "index"
META_NAME = "newsctl.json"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
BUILD_SUFFIX = ".build"
INDEXNAME = "MAIN"  # Whoosh's default index name inside a storage
KEEP_REPLACED_SECONDS = 600
_TOC_RE = re.compile(rf"^_{INDEXNAME}_([0-9]+)\.toc$")
_SEGFILE_RE = re.compile(rf"^({INDEXNAME}_[0-9a-z]+)\.[A-Za-z0-9_.]+$")


def schema_id() -> str:
    """Changes whenever documents written by an older newsctl would read back wrong."""
    from . import analysis

    return f"{SCHEMA_VERSION}.{analysis.ANALYSIS_VERSION}"


def build_schema() -> Any:
    from whoosh import fields

    from . import analysis

    return fields.Schema(
        path=fields.ID(stored=True, unique=True),  # relative to the archive, posix
        id=fields.ID(stored=True),
        title=analysis.exact_field(stored=True),
        body=analysis.exact_field(stored=False),
        words=analysis.word_field(),
        date=fields.DATETIME(stored=True, sortable=True),  # naive UTC
        category=fields.KEYWORD(commas=True, lowercase=True),
        tag=fields.KEYWORD(commas=True, lowercase=True),
        categories=fields.STORED(),
        tags=fields.STORED(),
        source=fields.ID(stored=True),
        source_text=analysis.exact_field(stored=False),
        fingerprint=fields.ID(stored=True),
        date_origin=fields.STORED(),
        # the file as it was read: what change detection compares
        mtime_ns=fields.STORED(),
        size=fields.STORED(),
        ino=fields.STORED(),
        ctime_ns=fields.STORED(),
        digest=fields.STORED(),  # sha1 of the file's bytes
        checked_ns=fields.STORED(),  # wall clock just before the bytes were read
    )


def fingerprint(title: str, date: datetime, text: str) -> str:
    """Same title, instant and text = the same post, whatever the file is called."""
    h = hashlib.sha1()
    h.update(" ".join(title.split()).encode("utf-8"))
    h.update(b"\0")
    h.update(date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S").encode())
    h.update(b"\0")
    h.update(" ".join(text.split()).encode("utf-8"))
    return h.hexdigest()


def to_utc_naive(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(tzinfo=None)


def post_document(
    post: Post,
    rel_path: str,
    stat: os.stat_result | None,
    *,
    digest: str = "",
    checked_ns: int = 0,
) -> dict[str, Any]:
    """The Whoosh document for one post (`stat`/`digest`: the file as read)."""
    return {
        "path": rel_path,
        "id": post.id,
        "title": post.title,
        "body": post.text,
        "words": f"{post.title}\n{post.text}",
        "date": to_utc_naive(post.date),
        "category": ",".join(c.replace(",", " ") for c in post.categories),
        "tag": ",".join(t.replace(",", " ") for t in post.tags),
        "categories": list(post.categories),
        "tags": list(post.tags),
        "source": post.source or "",
        "source_text": post.source or "",
        "fingerprint": fingerprint(post.title, post.date, post.text),
        "date_origin": post.date_origin,
        "mtime_ns": stat.st_mtime_ns if stat else 0,
        "size": stat.st_size if stat else 0,
        "ino": stat.st_ino if stat else 0,
        "ctime_ns": stat.st_ctime_ns if stat else 0,
        "digest": digest,
        "checked_ns": checked_ns,
    }


def record_from_fields(fields: dict[str, Any], archive: Path, tz: tzinfo) -> PostRecord:
    date = fields["date"].replace(tzinfo=timezone.utc).astimezone(tz)
    return PostRecord(
        id=fields["id"],
        path=archive / fields["path"],
        title=fields.get("title", ""),
        date=date,
        categories=tuple(fields.get("categories") or ()),
        tags=tuple(fields.get("tags") or ()),
        source=fields.get("source") or None,
    )


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


def _storage_classes() -> tuple[type, type]:
    """(ReadStorage, DurableStorage), made on first use (whoosh is imported lazily).

    ReadStorage maps each index file and hands out zero-copy views of it.
    Whoosh's own mmap path wraps every sub-file of a compound segment in an
    `io.BytesIO`, which copies it: opening a reader on the 24,090-post index
    copied its terms and postings (~700 MB) into memory and took ~0.3 s.

    DurableStorage (for writers) reads the same way and fsyncs each segment
    and TOC file before it can become visible, so a power cut after a commit
    cannot leave a TOC naming half-written segments.
    """
    import mmap

    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.structfile import BufferFile

    class _MemFile:
        """A read-only file object over a buffer, without copying it."""

        def __init__(self, buf: memoryview) -> None:
            self._buf = buf
            self._pos = 0

        def read(self, n: int | None = -1) -> bytes:
            start = self._pos
            end = len(self._buf) if n is None or n < 0 else min(len(self._buf), start + n)
            self._pos = max(end, start)
            return self._buf[start:end].tobytes()

        def readinto(self, b: Any) -> int:
            n = max(0, min(len(b), len(self._buf) - self._pos))
            b[:n] = self._buf[self._pos : self._pos + n]
            self._pos += n
            return n

        def readline(self, limit: int | None = -1) -> bytes:
            end = len(self._buf) if limit is None or limit < 0 else min(len(self._buf), self._pos + limit)
            out = bytearray()
            pos = self._pos
            while pos < end:
                chunk = self._buf[pos : min(end, pos + 512)].tobytes()
                i = chunk.find(b"\n")
                if i >= 0:
                    out += chunk[: i + 1]
                    pos += i + 1
                    break
                out += chunk
                pos += len(chunk)
            self._pos = pos
            return bytes(out)

        def __iter__(self) -> Iterator[bytes]:
            while True:
                line = self.readline()
                if not line:
                    return
                yield line

        def seek(self, pos: int, whence: int = 0) -> int:
            base = (0, self._pos, len(self._buf))[whence]
            self._pos = max(0, base + pos)
            return self._pos

        def tell(self) -> int:
            return self._pos

        def flush(self) -> None:
            pass

        def close(self) -> None:
            self._buf = memoryview(b"")

    class _ViewFile(BufferFile):
        """Whoosh's BufferFile over a mapped file, minus the copies."""

        def __init__(self, buf: Any, name: str | None = None, onclose: Any = None, owner: Any = None) -> None:
            self._buf = buf if isinstance(buf, memoryview) else memoryview(buf)
            self._name = name
            self.file = _MemFile(self._buf)
            self.onclose = onclose
            self.is_real = False
            self.is_closed = False
            self._owner = owner  # the mmap stays open while any view of it lives

        def subset(self, position: int, length: int, name: str | None = None) -> "_ViewFile":
            return _ViewFile(self._buf[position : position + length], name=name or self._name, owner=self._owner)

        def close(self) -> None:
            if self.is_closed:
                raise Exception("This file is already closed")
            if self.onclose:
                self.onclose(self)
            self.is_closed = True

    class _ReadStorage(FileStorage):
        def __init__(self, path: str, readonly: bool = False) -> None:
            # supports_mmap=False: compound segments then take views through
            # our files' subset() instead of copying sub-files
            super().__init__(path, supports_mmap=False, readonly=readonly)

        def open_file(self, name: str, **kwargs: Any) -> Any:
            with open(self._fpath(name), "rb") as f:
                if os.fstat(f.fileno()).st_size == 0:
                    return _ViewFile(b"", name=name)
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            return _ViewFile(memoryview(mm), name=name, owner=mm)

    class _DurableStorage(_ReadStorage):
        def create_file(self, name: str, excl: bool = False, mode: str = "wb", **kwargs: Any) -> Any:
            f = FileStorage.create_file(self, name, excl=excl, mode=mode, **kwargs)
            if name.endswith(".seg") or ".toc" in name:
                previous = f.onclose

                def onclose(sfile: Any) -> None:
                    if previous is not None:
                        previous(sfile)
                    sfile.file.flush()
                    os.fsync(sfile.file.fileno())

                f.onclose = onclose
            return f

        def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
            super().rename_file(oldname, newname, safe=safe)
            fsync_dir(Path(self.folder))

    return _ReadStorage, _DurableStorage


_STORAGES: tuple[type, type] | None = None


def ReadStorage(path: str) -> Any:  # noqa: N802 - a class made on first use
    global _STORAGES
    if _STORAGES is None:
        _STORAGES = _storage_classes()
    return _STORAGES[0](path, readonly=True)


def DurableStorage(path: str) -> Any:  # noqa: N802 - a class made on first use
    global _STORAGES
    if _STORAGES is None:
        _STORAGES = _storage_classes()
    return _STORAGES[1](path)


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


# --- the manifest -------------------------------------------------------------

# A file as read: (mtime_ns, size, ino, ctime_ns).
StatKey = tuple[int, int, int, int]


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


@dataclass
class Entry:
    """One indexed file as it was when read."""

    key: StatKey
    digest: str
    checked_ns: int

    def to_json(self) -> list[Any]:
        return [*self.key, self.digest, self.checked_ns]

    @classmethod
    def from_json(cls, v: list[Any]) -> "Entry":
        return cls(key=(int(v[0]), int(v[1]), int(v[2]), int(v[3])), digest=str(v[4]), checked_ns=int(v[5]))


@dataclass
class Failure:
    """A post that could not be read into the index (skipped until it changes)."""

    key: StatKey
    digest: str
    reason: str

    def to_json(self) -> list[Any]:
        return [*self.key, self.digest, self.reason]

    @classmethod
    def from_json(cls, v: list[Any]) -> "Failure":
        return cls(key=(int(v[0]), int(v[1]), int(v[2]), int(v[3])), digest=str(v[4]), reason=str(v[5]))


@dataclass
class Manifest:
    """What one generation of the index holds, for change detection without opening it."""

    generation: int
    posts: dict[str, Entry] = field(default_factory=dict)  # rel path -> entry
    failed: dict[str, Failure] = field(default_factory=dict)
    files: dict[str, tuple[int, str]] = field(default_factory=dict)  # index file -> (size, sha1)
    duplicates: dict[str, int] = field(default_factory=dict)  # rel path -> docs (> 1) for it
    derived: bool = False  # rebuilt from the index's stored fields (checksums unknown)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "schema": schema_id(),
            "generation": self.generation,
            "posts": {k: v.to_json() for k, v in sorted(self.posts.items())},
            "failed": {k: v.to_json() for k, v in sorted(self.failed.items())},
            "files": {k: list(v) for k, v in sorted(self.files.items())},
            "duplicates": dict(sorted(self.duplicates.items())),
            "derived": self.derived,
        }


def read_manifest(folder: Path, *, generation: int | None = None) -> Manifest | None:
    """The folder's manifest when it describes `generation` (default: the latest), else None."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_bytes())
        gen = latest_generation(folder) if generation is None else generation
        if (
            not isinstance(data, dict)
            or data.get("version") != MANIFEST_VERSION
            or data.get("schema") != schema_id()
            or data.get("generation") != gen
        ):
            return None
        return Manifest(
            generation=gen,
            posts={k: Entry.from_json(v) for k, v in data["posts"].items()},
            failed={k: Failure.from_json(v) for k, v in data.get("failed", {}).items()},
            files={k: (int(v[0]), str(v[1])) for k, v in data.get("files", {}).items()},
            duplicates={k: int(v) for k, v in data.get("duplicates", {}).items()},
            derived=bool(data.get("derived")),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def write_manifest(folder: Path, manifest: Manifest) -> None:
    atomic_write(folder / MANIFEST_NAME, json.dumps(manifest.to_json(), ensure_ascii=False, separators=(",", ":")))


def manifest_from_reader(reader: Any, generation: int) -> Manifest:
    """The manifest rebuilt from stored fields (after a crash between commit and manifest)."""
    m = Manifest(generation=generation, derived=True)
    counts: dict[str, int] = {}
    for fields in reader.all_stored_fields():
        rel = fields["path"]
        counts[rel] = counts.get(rel, 0) + 1
        key = (
            int(fields.get("mtime_ns") or 0),
            int(fields.get("size") or 0),
            int(fields.get("ino") or 0),
            int(fields.get("ctime_ns") or 0),
        )
        m.posts[rel] = Entry(key=key, digest=fields.get("digest") or "", checked_ns=int(fields.get("checked_ns") or 0))
    m.duplicates = {k: n for k, n in counts.items() if n > 1}
    return m


# --- checksums of the index files -----------------------------------------------


def _sha1_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha1").hexdigest()


def index_files(folder: Path) -> list[str]:
    """The Whoosh files of the latest generation (its TOC and segment files)."""
    gen = latest_generation(folder)
    out = []
    for name in sorted(os.listdir(folder)):
        m = _TOC_RE.match(name)
        if m and int(m.group(1)) == gen:
            out.append(name)
        elif _SEGFILE_RE.match(name):
            out.append(name)
    return out


def checksum_files(folder: Path, previous: dict[str, tuple[int, str]] | None = None) -> dict[str, tuple[int, str]]:
    """(size, sha1) of each index file; files already summed (immutable once written) are reused."""
    previous = previous or {}
    out: dict[str, tuple[int, str]] = {}
    for name in index_files(folder):
        path = folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            continue
        old = previous.get(name)
        if old is not None and old[0] == size and not _TOC_RE.match(name):
            out[name] = old
            continue
        out[name] = (size, _sha1_file(path))
    return out


def verify_files(folder: Path, files: dict[str, tuple[int, str]]) -> list[str]:
    """Problems with the recorded index files (missing, wrong size, wrong checksum)."""
    problems = []
    for name, (size, digest) in sorted(files.items()):
        path = folder / name
        try:
            actual = path.stat().st_size
        except FileNotFoundError:
            problems.append(f"index file {name} is missing")
            continue
        if actual != size:
            problems.append(f"index file {name} has {actual} bytes, {size} were written")
        elif _sha1_file(path) != digest:
            problems.append(f"index file {name} does not match its checksum")
    return problems


# --- writing ------------------------------------------------------------------


def codec() -> Any:
    """The codec every writer uses (analysis.CompactCodec: compact posting blocks).

    Each segment records its codec, so segments written by another stay readable.
    """
    from . import analysis

    make = getattr(analysis, "CompactCodec", None)
    if make is None:
        from whoosh.codec import default_codec

        return default_codec()
    return make()


def segment_writer(ix: Any, *, limitmb: int, lock: bool = True) -> Any:
    """A Whoosh SegmentWriter with our codec and a faster posting pool."""
    from whoosh.writing import SegmentWriter

    w = SegmentWriter(ix, _lk=lock, limitmb=limitmb, codec=codec())
    w.pool = _fast_pool_class()(w._tempstorage, w.newsegment, limitmb=limitmb)
    return w


_FAST_POOL: type | None = None


def _fast_pool_class() -> type:
    """Whoosh's PostingPool with cheaper bookkeeping and cheaper spills.

    Whoosh pickles each posting one by one when its pool spills to disk and
    unpickles it again to merge, and spills every million postings whatever
    `limitmb` says; a 24,090-post build has some 14 million postings. This
    pool spills by its memory estimate only and writes runs as marshal'd
    blocks (postings are tuples of str, bytes, int, float, bytes).
    """
    global _FAST_POOL
    if _FAST_POOL is not None:
        return _FAST_POOL
    import marshal

    from whoosh.writing import PostingPool

    class FastPostingPool(PostingPool):
        BLOCK = 20000

        def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128) -> None:
            super().__init__(tempstore, segment, limitmb=limitmb, maxsize=1 << 62)

        def add(self, item: tuple) -> None:
            # item = (fieldname, tbytes, docnum, weight, vbytes); ~200 bytes of objects plus the bytes
            self.currentsize += 200 + len(item[1]) + (len(item[4]) if item[4] else 0)
            if self.currentsize > self.limit:
                self.save()
            self.current.append(item)

        def _write_run(self, f: Any, items: list) -> None:
            block = self.BLOCK
            for i in range(0, len(items), block):
                marshal.dump(items[i : i + block], f)
            f.close()

        def _read_run(self, path: str) -> Iterator[tuple]:
            f = self._open_run(path)
            try:
                while True:
                    try:
                        chunk = marshal.load(f)
                    except EOFError:
                        return
                    yield from chunk
            finally:
                f.close()
                self._remove_run(path)

    _FAST_POOL = FastPostingPool
    return FastPostingPool


def storage_error(e: OSError, folder: Path) -> StorageError:
    what = e.strerror or str(e)
    hint = None
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = "free some space; the previous index is unchanged"
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "check the folder's permissions; the previous index is unchanged"
    return StorageError(f"cannot write the index in {folder}: {what}", hint=hint)


class Writer:
    """A Whoosh writer over one index folder; commit or cancel, never half.

    Used as a context manager it commits on a clean exit (cancels on an
    exception); `commit()` may also be called explicitly.
    """

    def __init__(self, folder: Path, procs: int = 1, *, limitmb: int = 256) -> None:
        self.folder = Path(folder)
        self.procs = procs
        self.limitmb = limitmb
        self.generation = -1
        self._w: Any = None

    def open(self) -> "Writer":
        from whoosh.index import LockError

        self._ix = open_folder(self.folder)
        try:
            self._w = segment_writer(self._ix, limitmb=self.limitmb)
        except LockError:
            raise IndexBusy(f"the index in {self.folder} is locked by another writer") from None
        except OSError as e:
            raise storage_error(e, self.folder) from None
        self.generation = self._w.generation - 1
        return self

    def __enter__(self) -> "Writer":
        return self.open()

    @property
    def is_open(self) -> bool:
        return self._w is not None and not self._w.is_closed

    @property
    def whoosh_writer(self) -> Any:
        return self._w

    def add(self, doc: dict[str, Any]) -> None:
        try:
            self._w.add_document(**doc)
        except OSError as e:
            raise storage_error(e, self.folder) from None

    def update(self, doc: dict[str, Any]) -> None:
        self.delete_path(doc["path"])
        self.add(doc)

    def delete_path(self, rel_path: str) -> int:
        return self._w.delete_by_term("path", rel_path)

    def commit(self, *, extra_segments: Iterable[Any] = (), merge: bool = True) -> int:
        """Write the new generation; StorageError (previous generation intact) when it fails."""
        w = self._w
        target = w.generation
        try:
            extra = list(extra_segments)
            if extra:
                # segments written by helper processes (see sync.py): the same
                # steps as SegmentWriter.commit, with their segments added
                final = w._merge_segments(None, None, merge)
                if w._added:
                    final.append(w._finalize_segment())
                else:
                    w._close_segment()
                final.extend(extra)
                w._commit_toc(final)
                w._finish()
            else:
                w.commit(merge=merge)
        except BaseException as e:
            if latest_generation(self.folder) >= target:
                # the TOC is in place: committed (only cleanup failed)
                if w.writelock is not None and not w.is_closed:
                    try:
                        w._finish()
                    except Exception:
                        pass
                self.generation = target
                if isinstance(e, Exception) and not isinstance(e, NewsctlError):
                    return target  # e.g. a file cleanup failed: the commit stands
                raise  # an interruption: committed, but the caller must stop
            self.cancel()
            if isinstance(e, OSError):
                raise storage_error(e, self.folder) from None
            raise
        self.generation = target
        return target

    def cancel(self) -> None:
        w = self._w
        if w is None or w.is_closed:
            return
        try:
            w.cancel()
        except Exception:
            # a half-closed writer (e.g. disk full while flushing): release
            # the Whoosh lock and temp files so the next writer can start
            try:
                w._finish()
            except Exception:
                pass
            try:
                if w.writelock is not None:
                    w.writelock.release()
            except Exception:
                pass

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and self.is_open:
            self.commit()
        else:
            self.cancel()


# --- reading ------------------------------------------------------------------


def filter_query(
    *,
    categories: Iterable[str] = (),
    tags: Iterable[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
) -> Any:
    """The Whoosh query for list-style filters (every post when none is given)."""
    from whoosh import query as wq

    parts: list[Any] = []
    cats = [wq.Term("category", c.lower()) for c in categories]
    if cats:
        parts.append(wq.Or(cats) if len(cats) > 1 else cats[0])
    tgs = [wq.Term("tag", t.lower()) for t in tags]
    if tgs:
        parts.append(wq.Or(tgs) if len(tgs) > 1 else tgs[0])
    if start is not None or end is not None:
        parts.append(
            wq.DateRange(
                "date",
                to_utc_naive(start) if start else None,
                to_utc_naive(end) if end else None,
                endexcl=True,
            )
        )
    if not parts:
        return wq.Every()
    return parts[0] if len(parts) == 1 else wq.And(parts)


def iter_sorted(
    searcher: Searcher, q: Any, *, limit: int | None, newest_first: bool = True
) -> tuple[int, Iterator[dict[str, Any]]]:
    """(number matched, stored fields in date order) without scoring."""
    from whoosh import sorting

    # date is a column (fast); equal dates keep index order. A second facet on
    # `path` (not a column) costs 0.4 s on 24,090 posts: it reads every posting list.
    facet = sorting.FieldFacet("date", reverse=newest_first)
    results = searcher.search(q, limit=limit or None, sortedby=facet)
    total = len(results)  # every match, not just the first `limit`

    def gen() -> Iterator[dict[str, Any]]:
        for hit in results:
            yield hit.fields()

    return total, gen()
