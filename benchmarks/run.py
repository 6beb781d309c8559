"""newsctl benchmarks: one command, real corpus, whole processes, medians.

    python benchmarks/run.py                 full run (24,090 and 96,360 posts) -> docs/benchmarks.md
    python benchmarks/run.py --quick         1,000 and 4,000 posts, fewer runs -> <work>/benchmarks-quick.md
    python benchmarks/run.py --runs 7        runs per fast command (default 5; index builds: --index-runs)
    python benchmarks/run.py --work DIR      where archives are made (default benchmarks/work/, gitignored)
    python benchmarks/run.py --only help,search,rg

What it does, in order:

1. Prepares archives from ../shared/corpus/xwlb-posts.tar.xz (reused when
   present): every post (24,090), and four renamed copies of each in one
   `_posts/` (96,360); 100 new posts for `add`.
2. For each archive: full `newsctl index` from no index (with --procs 2 and
   --procs 1 named explicitly: without the flag newsctl picks by the load
   average, which back-to-back runs raise themselves; peak memory of the
   process tree), index size, `index` with nothing to do,
   `list --limit 20`, `search` for the fixed queries (benchmarks/queries.py:
   top results as a user sees them, every path, and --count), then on the
   smaller archive `add` of 100 posts (into a fresh copy each run) and `index`
   after 100 new / 100 deleted files.
3. The same queries with `rg -l`, and an SQLite FTS5 (trigram) index built
   and queried by benchmarks/fts5_tool.py, on the same `_posts/`.
4. Writes the Markdown report (between the GENERATED markers, so hand-written
   notes below them survive) and the raw figures as JSON beside it.

Every measurement is a whole process (subprocess + time.perf_counter) after
one untimed warm-up run, so every tool reads from a warm page cache. A
measurement whose command fails or does not exist yet is skipped with the
reason in the report; the rest still run.

Stdlib only; run it with any Python >= 3.11 (newsctl itself runs from --newsctl).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import prepare  # noqa: E402
import report  # noqa: E402
from measure import Run, others_now, run_once, run_with_memory, summarize  # noqa: E402
from queries import Query, by_key  # noqa: E402

PROJECT = HERE.parent
SECTIONS = ("help", "index", "noop", "list", "search", "add", "rg", "fts5")
OK_FOUND = (0, 1)  # newsctl / rg: 0 found, 1 nothing found


@dataclass
class Config:
    quick: bool
    runs: int
    index_runs: int
    big_index_runs: int
    work: Path
    newsctl: str
    tarball: Path
    out: Path
    only: set[str]
    procs: list[str]  # "default" (no --procs flag) or a number
    big_procs: str
    queries: tuple[Query, ...]
    big: bool
    slow_limit: float  # a fast command slower than this is run once only
    max_others: float  # CPUs other processes may keep busy during a timed run
    quiet_wait: float  # seconds to wait for a quiet machine before a measurement
    total_wait: float  # ... and over the whole run


@dataclass
class ArchiveSpec:
    key: str  # "24k", "96k", "q1000"...
    label: str
    path: Path
    posts: int
    index_runs: int
    role: str  # "small" (targets, add) or "big" (rg comparison)


@dataclass
class Feature:
    ok: bool
    note: str = ""
    help: str = ""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- running things -----------------------------------------------------------------


class Bench:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.home = cfg.work / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        # PYTHONDONTWRITEBYTECODE (set in some sandboxes) would make every run compile newsctl's
        # modules again (30-70 ms a command); an installed newsctl has its bytecode cached.
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCTL_") and k != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            NO_COLOR="1",
            COLUMNS="100",
            LANG="C.UTF-8",
            LC_ALL="C.UTF-8",
        )
        self.env = env
        self.results: dict = {"measurements": [], "queries": {}, "features": {}, "sizes": {}}
        self.waited = 0.0  # seconds spent waiting for a quiet machine

    # a measurement is a dict; `status` ok|skipped, `note` says why or how
    def short(self, command: str) -> str:
        """A command as the report shows it: `newsctl`, archive paths relative to the work folder."""
        return command.replace(self.cfg.newsctl, "newsctl").replace(str(self.cfg.work) + "/", "").replace(sys.executable, "python")

    def record(self, m: dict) -> dict:
        if m.get("command"):
            m["command"] = self.short(m["command"])
        self.results["measurements"].append(m)
        status = m["status"]
        med = m.get("median")
        log(f"  {m['name']} [{m.get('archive') or '-'}]: " + (f"{med:.3f}s" if med is not None else status) + (f" ({m['note']})" if m.get("note") and status != "ok" else ""))
        return m

    def settle(self) -> float:
        """Wait (up to --quiet-wait s) until other processes leave the CPUs alone; what they use now."""
        deadline = time.monotonic() + self.cfg.quiet_wait
        while True:
            t0 = time.monotonic()
            others = others_now()
            if others <= self.cfg.max_others or time.monotonic() >= deadline or self.waited >= self.cfg.total_wait:
                return others
            time.sleep(2.0)
            self.waited += time.monotonic() - t0

    def fast(
        self,
        name: str,
        argv: list[str] | str,
        *,
        archive: str | None = None,
        cwd: Path | None = None,
        shell: bool = False,
        ok_codes: tuple[int, ...] = OK_FOUND,
        runs: int | None = None,
        timeout: float = 600.0,
        store: bool = True,
        display: str | None = None,
    ) -> dict:
        """Median wall time of `runs` runs after a warm-up; skipped if the command fails.

        A run during which other processes kept more than --max-others CPUs
        busy is done again (at most `runs` times per measurement); the
        number re-done is kept in `redone`.
        """
        runs = runs or self.cfg.runs
        m = {"name": name, "archive": archive, "command": display or (argv if isinstance(argv, str) else " ".join(map(str, argv)))}
        m["load_before"] = os.getloadavg()[0]
        m["others_before"] = self.settle()
        times: list[float] = []
        cpus: list[float] = []
        others: list[float] = []
        redone = 0
        warm = True
        last: Run | None = None
        while len(times) < runs:
            r = run_once(argv, env=self.env, cwd=cwd, shell=shell, timeout=timeout)
            last = r
            if r.timed_out or r.rc not in ok_codes:
                m.update(status="skipped", note=_failure(r, timeout))
                return self.record(m) if store else m
            slow = r.seconds > self.cfg.slow_limit
            if warm and not slow:
                warm = False
                continue
            if not slow and r.others is not None and r.others > self.cfg.max_others and redone < runs:
                redone += 1
                continue
            times.append(r.seconds)
            cpus.append(r.cpu_seconds or 0.0)
            others.append(r.others or 0.0)
            if slow:
                m["note"] = f"slower than {self.cfg.slow_limit:g} s: measured once"
                break
        s = summarize(times)
        assert s and last
        m.update(status="ok", median=s.median, low=s.low, high=s.high, n=s.n, values=s.values, rc=last.rc,
                 cpu=summarize(cpus).median, others=max(others), redone=redone)
        m["_stdout"] = last.stdout
        m["_stderr"] = last.stderr
        return self.record(m) if store else m

    def heavy(
        self,
        name: str,
        argv: list[str],
        *,
        archive: str | None,
        runs: int,
        setup=None,
        check=None,
        timeout: float = 3600.0,
        ok_codes: tuple[int, ...] = (0,),
        python: str | None = None,
        display: str | None = None,
    ) -> dict:
        """Runs in a fresh memory-measuring wrapper each (no warm-up: setup resets state)."""
        m = {"name": name, "archive": archive, "command": display or " ".join(map(str, argv))}
        times, rss, tree, cpus, others = [], [], [], [], []
        m["load_before"] = os.getloadavg()[0]
        m["others_before"] = self.settle()
        for _ in range(runs):
            if setup:
                try:
                    setup()
                except OSError as e:
                    m.update(status="skipped", note=f"preparing the run failed: {e}")
                    return self.record(m)
            r = run_with_memory(argv, env=self.env, timeout=timeout, python=python)
            if r.timed_out or r.rc not in ok_codes:
                m.update(status="skipped", note=_failure(r, timeout))
                return self.record(m)
            if check:
                problem = check(r)
                if problem:
                    m.update(status="skipped", note=problem)
                    return self.record(m)
            times.append(r.seconds)
            cpus.append(r.cpu_seconds or 0.0)
            others.append(r.others or 0.0)
            rss.append(r.maxrss_kb or 0)
            tree.append(r.tree_kb or 0)
        s = summarize(times)
        assert s
        m.update(
            status="ok",
            median=s.median,
            low=s.low,
            high=s.high,
            n=s.n,
            values=s.values,
            cpu=summarize(cpus).median,
            others=max(others),
            maxrss_mb=max(rss) / 1024,
            tree_mb=max(tree) / 1024,
        )
        return self.record(m)

    # --- newsctl -------------------------------------------------------------------

    def nc(self, archive: Path | None, *args: str) -> list[str]:
        return [self.cfg.newsctl, *(["--archive", str(archive)] if archive else []), *args]

    def feature(self, name: str, argv: list[str]) -> Feature:
        try:
            r = run_once(argv, env=self.env, timeout=60)
        except OSError as e:
            f = Feature(False, f"cannot run {argv[0]}: {e}")
        else:
            text = (r.stdout + r.stderr).decode("utf-8", "replace")
            f = Feature(r.rc == 0, "" if r.rc == 0 else f"`{' '.join(argv[1:])}` exits {r.rc}: {_tail(text)}", text)
        self.results["features"][name] = {"ok": f.ok, "note": f.note}
        return f


def _tail(text: str) -> str:
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return " / ".join(lines[-2:])[:300]


def _failure(r: Run, timeout: float) -> str:
    if r.timed_out:
        return f"timed out after {timeout:g} s"
    return f"exit {r.rc}: {_tail(r.stderr.decode('utf-8', 'replace')) or '(no message)'}"


def _has_option(help_text: str, option: str) -> bool:
    return re.search(rf"(^|[\s,│|]){re.escape(option)}\b", help_text, re.M) is not None


def _first_int(data: bytes) -> int | None:
    m = re.search(rb"\d+", data.replace(b",", b""))
    return int(m[0]) if m else None


def _lines(data: bytes) -> int:
    return sum(1 for l in data.splitlines() if l.strip())


# --- the run ----------------------------------------------------------------------------


def machine_info(cfg: Config) -> dict:
    info: dict = {"date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown"
    info["cpu"] = cpu
    info["cores"] = os.cpu_count()
    try:
        kb = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")))
        info["ram"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        info["ram"] = "unknown"
    info["os"] = f"{platform.system()} {platform.release()}"
    info["load_start"] = os.getloadavg()
    vpy = Path(cfg.newsctl).parent / "python"
    code = (
        "import sys, importlib.metadata as m\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except Exception: return 'not installed'\n"
        "print(sys.version.split()[0]); print(v('whoosh-reloaded')); print(v('rjieba')); print(v('newsctl'))"
    )
    try:
        out = subprocess.run([str(vpy), "-c", code], capture_output=True, text=True, timeout=60).stdout.split()
        info["python"], info["whoosh_reloaded"], info["rjieba"], info["newsctl"] = out[:4]
    except (OSError, ValueError, subprocess.SubprocessError):
        info["python"] = "unknown"
    info["harness_python"] = platform.python_version()
    info["sqlite"] = sqlite3.sqlite_version
    rg = shutil.which("rg")
    info["ripgrep"] = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.splitlines()[0] if rg else "not installed"

    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=PROJECT, capture_output=True, text=True).stdout.strip()

    info["commit"] = git("rev-parse", "--short=12", "HEAD") or "unknown"
    porcelain = subprocess.run(["git", "status", "--porcelain", "--", "newsctl", "pyproject.toml"], cwd=PROJECT, capture_output=True, text=True).stdout
    dirty = [l[3:] for l in porcelain.splitlines() if l.strip()]
    info["dirty"] = dirty
    return info


def prepare_archives(cfg: Config) -> tuple[list[ArchiveSpec], Path, list[Path]]:
    src = prepare.unpack(cfg.tarball, cfg.work)
    files = prepare.corpus_files(src)
    log(f"corpus: {len(files)} posts in {src}")
    if cfg.quick:
        n = 1000
        picked = prepare.pick_every(files, n)
        small = ArchiveSpec(f"q{len(picked)}", f"{len(picked):,} posts", cfg.work / f"q{len(picked)}", len(picked), cfg.index_runs, "small")
        big = ArchiveSpec(f"q{len(picked)}x4", f"{4 * len(picked):,} posts (4 copies)", cfg.work / f"q{len(picked)}x4", 4 * len(picked), cfg.big_index_runs, "big")
    else:
        picked = files
        small = ArchiveSpec("24k", f"{len(files):,} posts", cfg.work / "a24k", len(files), cfg.index_runs, "small")
        big = ArchiveSpec("96k", f"{4 * len(files):,} posts (4 copies)", cfg.work / "a96k", 4 * len(files), cfg.big_index_runs, "big")
    log(f"preparing {small.path} ...")
    prepare.build_archive(small.path, picked)
    specs = [small]
    if cfg.big:
        log(f"preparing {big.path} ...")
        prepare.build_archive(big.path, picked, prepare.COPY_PREFIXES)
        specs.append(big)
    add_dir = prepare.make_add_inputs(cfg.work / "add-100", files, 100)
    return specs, add_dir, files


def run_all(cfg: Config) -> dict:
    b = Bench(cfg)
    res = b.results
    res["config"] = {
        "quick": cfg.quick,
        "runs": cfg.runs,
        "index_runs": cfg.index_runs,
        "big_index_runs": cfg.big_index_runs,
        "procs": cfg.procs,
        "only": sorted(cfg.only),
        "max_others": cfg.max_others,
        "newsctl": cfg.newsctl,
    }
    res["machine"] = machine_info(cfg)
    log(f"machine: {res['machine']}")
    specs, add_dir, _files = prepare_archives(cfg)
    res["archives"] = [{"key": s.key, "label": s.label, "posts": s.posts, "path": str(s.path)} for s in specs]

    for s in specs:
        ts = prepare.text_size(s.path / "_posts")
        res["sizes"][s.key] = {"text": ts.as_dict()}
        log(f"text {s.key}: {ts}")

    # features
    top = b.feature("newsctl", [cfg.newsctl, "--help"])
    idx_f = b.feature("index", [cfg.newsctl, "index", "--help"])
    search_f = b.feature("search", [cfg.newsctl, "search", "--help"])
    list_f = b.feature("list", [cfg.newsctl, "list", "--help"])
    add_f = b.feature("add", [cfg.newsctl, "add", "--help"])
    idx_help = idx_f.help if idx_f.ok else ""
    has_rebuild = _has_option(idx_help, "--rebuild")
    has_procs = _has_option(idx_help, "--procs")
    has_quiet = _has_option(idx_help, "--quiet")
    s_help = search_f.help if search_f.ok else ""
    has_count = _has_option(s_help, "--count")
    has_format = _has_option(s_help, "--format")
    has_limit = _has_option(s_help, "--limit")
    res["features"]["index"].update(rebuild=has_rebuild, procs=has_procs)
    res["features"]["search"].update(count=has_count, format=has_format)

    def skip(name: str, archive: str | None, note: str) -> None:
        b.record({"name": name, "archive": archive, "status": "skipped", "note": note})

    # 1. --help
    if "help" in cfg.only:
        log("newsctl --help")
        if top.ok:
            b.fast("newsctl --help", [cfg.newsctl, "--help"], ok_codes=(0,), cwd=cfg.work)
        else:
            skip("newsctl --help", None, top.note)

    quiet = ["--quiet"] if has_quiet else []
    procs_list = cfg.procs if has_procs else ["default"]

    for s in specs:
        arc = s.path
        state = arc / ".newsctl"
        log(f"=== archive {s.key}: {s.label} ===")
        indexed = (state / "index").exists()

        # 2. full index from nothing
        if "index" in cfg.only:
            if not idx_f.ok:
                skip("full index", s.key, idx_f.note)
            for p in (procs_list if s.role == "small" else [cfg.big_procs]):
                if not idx_f.ok:
                    break
                extra = ["--procs", p] if has_procs and p != "default" else []
                name = "full index" + (f" --procs {p}" if extra else "")
                log(f"{name} on {s.key} x{s.index_runs}")
                m = b.heavy(
                    name,
                    b.nc(arc, "index", *quiet, *extra),
                    archive=s.key,
                    runs=s.index_runs,
                    setup=lambda: shutil.rmtree(state, ignore_errors=True),
                    check=lambda r: None if (state / "index").exists() else "no index was made",
                    ok_codes=(0, 1),
                    display=f"newsctl index {' '.join(quiet + extra)}   (after rm -rf .newsctl)",
                )
                if m["status"] == "ok":
                    m["posts_per_s"] = s.posts / m["median"]
                    m["procs"] = p
                    indexed = True
        elif not indexed and cfg.only & {"noop", "list", "search", "add"}:
            log(f"building the index of {s.key} once (index section not selected)")
            run_once(b.nc(arc, "index", *quiet), env=b.env, timeout=7200)
            indexed = (state / "index").exists()

        indexed = (state / "index").exists()
        if indexed:
            live = (state / "index").resolve()
            res["sizes"][s.key]["index_bytes"] = prepare.dir_bytes(live)
            res["sizes"][s.key]["state_bytes"] = prepare.dir_bytes(state)
            log(f"index size {s.key}: {res['sizes'][s.key]['index_bytes']:,} bytes")

        # 3. index with nothing to do
        if "noop" in cfg.only:
            if not indexed:
                skip("index, nothing to do", s.key, "no index could be built")
            elif not has_rebuild:
                skip("index, nothing to do", s.key, "`newsctl index` has no --rebuild yet: every run rebuilds, so there is no incremental run to time")
            else:
                b.fast("index, nothing to do", b.nc(arc, "index", *quiet), archive=s.key, ok_codes=(0,))

        # 4. list
        if "list" in cfg.only:
            if not list_f.ok:
                skip("list --limit 20", s.key, list_f.note)
            elif not indexed:
                skip("list --limit 20", s.key, "no index")
            else:
                b.fast("list --limit 20", b.nc(arc, "list", "--limit", "20"), archive=s.key, ok_codes=(0,))

        # 5. search
        qres = res["queries"].setdefault(s.key, {q.key: {} for q in cfg.queries})
        if "search" in cfg.only:
            if not search_f.ok:
                skip("search", s.key, search_f.note)
            elif not indexed:
                skip("search", s.key, "no index")
            else:
                log(f"search on {s.key}")
                for q in cfg.queries:
                    row = qres[q.key]
                    # what a user sees on a terminal: the first 10 hits with snippets (piped, the default is every hit)
                    m = b.fast(f"search {q.key}", b.nc(arc, "search", *q.newsctl, *(["--limit", "10"] if has_limit else [])), archive=s.key, store=False)
                    m["command"] = b.short(m["command"])
                    row["top"] = _strip(m)
                    if has_format:
                        m = b.fast(
                            f"search {q.key} paths",
                            b.nc(arc, "search", *q.newsctl, "--format", "paths", "--limit", "0"),
                            archive=s.key,
                            store=False,
                        )
                        if m["status"] == "ok":
                            m["hits"] = _lines(m["_stdout"])
                        row["paths"] = _strip(m)
                    if has_count:
                        m = b.fast(f"search {q.key} count", b.nc(arc, "search", *q.newsctl, "--count"), archive=s.key, store=False)
                        if m["status"] == "ok":
                            m["hits"] = _first_int(m["_stdout"]) if m["rc"] == 0 else 0
                        row["count"] = _strip(m)
                    log(f"  search {q.key}: top {_fmt(row['top'])}, paths {_fmt(row.get('paths'))}, count {_fmt(row.get('count'))}")

        # 6. rg
        if "rg" in cfg.only:
            rg = shutil.which("rg")
            for q in cfg.queries:
                row = qres[q.key]
                if not rg:
                    row["rg"] = {"status": "skipped", "note": "ripgrep (rg) is not installed"}
                    continue
                argv, shell = q.rg_command("_posts/")
                m = b.fast(f"rg {q.key}", argv, cwd=arc, shell=shell, archive=s.key, store=False, display=q.rg_display(),
                           ok_codes=(0, 1, 123) if shell else OK_FOUND)  # xargs: 123 when one rg found nothing
                if m["status"] == "ok":
                    m["hits"] = _lines(m["_stdout"])
                row["rg"] = _strip(m)
                log(f"  rg {q.key}: {_fmt(row['rg'])}")

        # 7. FTS5
        if "fts5" in cfg.only:
            db = cfg.work / f"fts5-{s.key}.sqlite"
            tool = str(HERE / "fts5_tool.py")
            log(f"FTS5 build on {s.key} x{s.index_runs}")
            m = b.heavy(
                "FTS5 trigram build",
                [sys.executable, tool, "build", str(arc), str(db)],
                archive=s.key,
                runs=s.index_runs,
                display="python benchmarks/fts5_tool.py build ARCHIVE DB",
            )
            if m["status"] == "ok":
                m["posts_per_s"] = s.posts / m["median"]
                res["sizes"][s.key]["fts5_bytes"] = db.stat().st_size
                for q in cfg.queries:
                    r = b.fast(f"fts5 {q.key}", [sys.executable, tool, "query", str(db), *q.fts_args()], archive=s.key, store=False)
                    if r["status"] == "ok":
                        r["hits"] = _lines(r["_stdout"])
                        mm = re.search(rb"method: (.+)", r["_stderr"])
                        r["method"] = mm[1].decode().strip() if mm else ""
                    qres[q.key]["fts5"] = _strip(r)
                    log(f"  fts5 {q.key}: {_fmt(qres[q.key]['fts5'])}")

        # 8. writes (smaller archive only): add 100 posts, index after 100 new / deleted files
        if "add" in cfg.only and s.role == "small":
            _writes(b, cfg, s, add_dir, indexed, add_f, has_rebuild, quiet)

    res["_waited"] = b.waited
    return res


def _writes(b: Bench, cfg: Config, s: ArchiveSpec, add_dir: Path, indexed: bool, add_f: Feature, has_rebuild: bool, quiet: list[str]) -> None:
    arc = s.path
    scratch = cfg.work / f"scratch-{s.key}"
    new_files = sorted(add_dir.glob("*.md"))

    def fresh_copy() -> None:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(arc / "_posts", scratch / "_posts")  # copy2: same mtimes
        shutil.copytree(arc / ".newsctl", scratch / ".newsctl", symlinks=True)
        # The copies have new inodes and ctimes, which newsctl notices and checks (reading every
        # post once); let an untimed `index` do that, so `add` finds the archive as a user's would.
        r = run_once(b.nc(scratch, "index", *quiet), env=b.env, timeout=3600)
        if r.rc != 0:
            raise OSError(f"settling the copy with `newsctl index` failed: {_failure(r, 3600)}")

    def added(_r: Run) -> str | None:
        n = sum(1 for _ in os.scandir(scratch / "_posts"))
        return None if n == s.posts + len(new_files) else f"expected {len(new_files)} new files in _posts/, found {n - s.posts}"

    if not add_f.ok:
        b.record({"name": "add 100 posts", "archive": s.key, "status": "skipped", "note": add_f.note})
    elif not indexed:
        b.record({"name": "add 100 posts", "archive": s.key, "status": "skipped", "note": "no index"})
    else:
        log(f"add 100 posts on a fresh copy of {s.key} x{cfg.index_runs}")
        b.heavy(
            "add 100 posts",
            b.nc(scratch, "add", str(add_dir), "--quiet"),
            archive=s.key,
            runs=max(cfg.index_runs, 3) if not cfg.quick else cfg.index_runs,
            setup=fresh_copy,
            check=added,
            display="newsctl add DIR_OF_100_POSTS --quiet   (on a fresh copy of the archive)",
        )
        shutil.rmtree(scratch, ignore_errors=True)

    if not indexed:
        return
    if not has_rebuild:
        for name in ("index, 100 new files", "index, 100 deleted files"):
            b.record({"name": name, "archive": s.key, "status": "skipped", "note": "`newsctl index` is not incremental yet (no --rebuild)"})
        return
    posts = arc / "_posts"

    def put() -> None:
        for f in new_files:
            shutil.copyfile(f, posts / f.name)

    def remove() -> None:
        for f in new_files:
            (posts / f.name).unlink(missing_ok=True)

    log(f"index after 100 new / 100 deleted files on {s.key}")
    ins: list[float] = []
    dels: list[float] = []
    err = ""
    runs = max(3, cfg.index_runs) if not cfg.quick else cfg.index_runs
    try:
        for _ in range(runs):
            put()
            r = run_once(b.nc(arc, "index", *quiet), env=b.env, timeout=3600)
            if r.rc != 0:
                err = _failure(r, 3600)
                break
            ins.append(r.seconds)
            remove()
            r = run_once(b.nc(arc, "index", *quiet), env=b.env, timeout=3600)
            if r.rc != 0:
                err = _failure(r, 3600)
                break
            dels.append(r.seconds)
    finally:
        remove()
        if err or len(dels) < len(ins):
            run_once(b.nc(arc, "index", *quiet), env=b.env, timeout=7200)
    for name, vals in (("index, 100 new files", ins), ("index, 100 deleted files", dels)):
        sm = summarize(vals)
        if err or not sm:
            b.record({"name": name, "archive": s.key, "status": "skipped", "note": err or "not run"})
        else:
            b.record({"name": name, "archive": s.key, "status": "ok", "median": sm.median, "low": sm.low, "high": sm.high, "n": sm.n, "values": sm.values,
                      "command": "newsctl index --quiet   (after copying 100 posts into / deleting them from _posts/)"})


def _strip(m: dict) -> dict:
    return {k: v for k, v in m.items() if not k.startswith("_")}


def _fmt(m: dict | None) -> str:
    if not m:
        return "-"
    if m.get("status") != "ok":
        return "skipped"
    h = m.get("hits")
    return f"{m['median']:.3f}s" + (f" {h} hits" if h is not None else "")


def parse_args(argv: list[str]) -> Config:
    ap = argparse.ArgumentParser(prog="python benchmarks/run.py", description="Benchmark newsctl against rg -l and SQLite FTS5 on the real corpus.")
    ap.add_argument("--quick", action="store_true", help="1,000 and 4,000 posts, fewer runs: a smoke test")
    ap.add_argument("--runs", type=int, help="runs per fast command, after one warm-up (default 5; quick 3)")
    ap.add_argument("--index-runs", type=int, help="runs per index build on the smaller archive (default 3; quick 1)")
    ap.add_argument("--big-index-runs", type=int, help="runs per index build on the 96,360-post archive (default 1)")
    ap.add_argument("--work", type=Path, default=HERE / "work", help="folder for archives and indexes (default benchmarks/work/)")
    ap.add_argument("--newsctl", default=str(PROJECT / ".venv" / "bin" / "newsctl"), help="the newsctl executable")
    ap.add_argument("--tarball", type=Path, default=prepare.default_tarball(PROJECT))
    ap.add_argument("--out", type=Path, help="report file (default docs/benchmarks.md; quick: WORK/benchmarks-quick.md)")
    ap.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    ap.add_argument("--procs", default="2,1", help="--procs values for the full index on the smaller archive; "
                    "'default' runs without the flag, which lets newsctl choose by the load average (default: 2,1)")
    ap.add_argument("--big-procs", default="2", help="the one --procs value for the larger archive's full index (default: 2)")
    ap.add_argument("--queries", help="comma-separated query keys (default: all)")
    ap.add_argument("--no-big", action="store_true", help="skip the four-copies archive")
    ap.add_argument("--render", type=Path, metavar="JSON",
                    help="measure nothing: write the report (--out, default docs/benchmarks.md) from a saved results file")
    ap.add_argument("--max-others", type=float, default=0.25,
                    help="a timed run during which other processes kept more CPUs than this busy is done again (default 0.25)")
    ap.add_argument("--quiet-wait", type=float, default=30.0,
                    help="seconds to wait before a measurement for other processes to calm down (default 30; 0 = never wait)")
    ns = ap.parse_args(argv)
    only = set(SECTIONS) if not ns.only else {s.strip() for s in ns.only.split(",") if s.strip()}
    bad = only - set(SECTIONS)
    if bad:
        ap.error(f"unknown section(s): {', '.join(sorted(bad))}")
    work = ns.work.resolve()
    out = ns.out or (work / "benchmarks-quick.md" if ns.quick else PROJECT / "docs" / "benchmarks.md")
    if ns.render:
        res = json.loads(ns.render.read_text("utf-8"))
        report.write(out.resolve(), res, json_path=ns.render.resolve(), project=PROJECT)
        print(f"wrote {out} from {ns.render}", file=sys.stderr)
        raise SystemExit(0)
    return Config(
        quick=ns.quick,
        runs=ns.runs or (3 if ns.quick else 5),
        index_runs=ns.index_runs or (1 if ns.quick else 3),
        big_index_runs=ns.big_index_runs or 1,
        work=work,
        newsctl=ns.newsctl,
        tarball=ns.tarball,
        out=out.resolve(),
        only=only,
        procs=[p.strip() for p in ns.procs.split(",") if p.strip()],
        big_procs=ns.big_procs,
        queries=by_key(ns.queries.split(",") if ns.queries else None),
        big=not ns.no_big,
        slow_limit=30.0,
        max_others=ns.max_others,
        quiet_wait=ns.quiet_wait,
        total_wait=900.0,
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(sys.argv[1:] if argv is None else argv)
    cfg.work.mkdir(parents=True, exist_ok=True)
    import fcntl

    lock = open(cfg.work / ".bench.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"benchmarks: another run is using {cfg.work}; wait for it or pass --work", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    try:
        res = run_all(cfg)
    except FileNotFoundError as e:
        print(f"benchmarks: {e}", file=sys.stderr)
        return 2
    res["wall_seconds"] = time.monotonic() - t0
    res["waited_seconds"] = res.pop("_waited", 0.0)
    res["machine"]["load_end"] = os.getloadavg()
    default_out = (PROJECT / "docs" / "benchmarks.md").resolve()
    json_path = HERE / "results" / "latest.json" if cfg.out == default_out else cfg.out.with_suffix(".json")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str))
    report.write(cfg.out, res, json_path=json_path, project=PROJECT)
    log(f"wrote {cfg.out} and {json_path} in {res['wall_seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
