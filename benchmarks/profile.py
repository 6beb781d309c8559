"""Profiles of the commands the benchmark times, on the same archives (pyinstrument).

    python benchmarks/profile.py                  searches, list, no-op index, add (a minute)
    python benchmarks/profile.py --index          also a full `index --procs 1` of 24,090 posts (~3 min)
    python benchmarks/profile.py --only search-rare

Needs the archives `benchmarks/run.py` prepared and indexed (benchmarks/work/a24k,
a96k) and pyinstrument in the venv (`pip install -e '.[bench]'`). Writes one
text profile per command to benchmarks/profiles/<name>.txt, with the command
and the time it took on top. A full index is profiled in a copy of the archive
with `--procs 1`, because helper processes are invisible to the profiler.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent


def profiles(work: Path, add_dir: Path) -> dict[str, tuple[str, list[str]]]:
    a24, a96 = str(work / "a24k"), str(work / "a96k")
    return {
        "search-rare": (a24, ["search", "区块链", "--limit", "10"]),
        "search-frequent": (a24, ["search", "习近平", "--limit", "10"]),
        "search-frequent-96k": (a96, ["search", "习近平", "--limit", "10"]),
        "search-paths-96k": (a96, ["search", "习近平", "--format", "paths", "--limit", "0"]),
        "search-count": (a24, ["search", "区块链", "--count"]),
        "list": (a24, ["list", "--limit", "20"]),
        "index-nothing-to-do": (a24, ["index", "--quiet"]),
        "add-100": ("COPY", ["add", str(add_dir), "--quiet"]),
        "index-full-procs1": ("COPY-NOINDEX", ["index", "--quiet", "--procs", "1"]),
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=HERE / "work")
    ap.add_argument("--out", type=Path, default=HERE / "profiles")
    ap.add_argument("--venv", type=Path, default=PROJECT / ".venv")
    ap.add_argument("--index", action="store_true", help="also profile a full index of the 24,090 posts (minutes)")
    ap.add_argument("--only", help="comma-separated profile names")
    ns = ap.parse_args(argv)
    pyinstrument = ns.venv / "bin" / "pyinstrument"
    if not pyinstrument.exists():
        print(f"profile: {pyinstrument} not found: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    work = ns.work.resolve()
    table = profiles(work, work / "add-100")
    names = ns.only.split(",") if ns.only else [n for n in table if ns.index or n != "index-full-procs1"]
    ns.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        archive, args = table[name]
        scratch = work / "profile-scratch"
        if archive.startswith("COPY"):
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.copytree(work / "a24k" / "_posts", scratch / "_posts")
            if archive == "COPY":
                shutil.copytree(work / "a24k" / ".newsctl", scratch / ".newsctl", symlinks=True)
                # new inodes/ctimes: let newsctl re-check the copies before the profiled command
                subprocess.run([str(ns.venv / "bin" / "newsctl"), "--archive", str(scratch), "index", "--quiet"], check=True)
            archive = str(scratch)
        if not Path(archive, ".newsctl").exists() and "NOINDEX" not in table[name][0]:
            print(f"profile: skip {name}: {archive} has no index (run benchmarks/run.py first)", file=sys.stderr)
            continue
        out = ns.out / f"{name}.txt"
        interval = "0.001" if "full" in name else "0.0002"
        cmd = [str(pyinstrument), "-i", interval, "-o", str(out), "-m", "newsctl", "--archive", archive, *args]
        t0 = time.perf_counter()
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as run.py measures
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=work, env=env)
        took = time.perf_counter() - t0
        shutil.rmtree(scratch, ignore_errors=True)
        if r.returncode not in (0, 1) or not out.exists():
            print(f"profile: {name} failed (exit {r.returncode}): {r.stderr.decode(errors='replace')[-300:]}", file=sys.stderr)
            continue
        shown = " ".join(["newsctl", *args]).replace(str(work) + "/", "")
        where = Path(archive).name if not archive.endswith("profile-scratch") else "a copy of a24k"
        body = out.read_text("utf-8").replace(str(work) + "/", "").replace(str(PROJECT) + "/", "")
        out.write_text(f"# {shown}   (archive {where}; {took:.2f} s under the profiler)\n{body}", "utf-8")
        print(f"{name}: {took:.2f} s -> {out.relative_to(PROJECT) if out.is_relative_to(PROJECT) else out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
