"""Whole-process measurements: wall time, exit code, output and peak memory.

Two ways to run a command:

- `run_once` times it from the harness itself (subprocess + perf_counter).
  Used for fast commands, where memory is not a target.
- `run_with_memory` starts a fresh wrapper process (this file run as a
  script) per run, so that `getrusage(RUSAGE_CHILDREN).ru_maxrss` holds only
  that command's peak. The wrapper also samples the summed RSS of the whole
  process tree every 50 ms, because ru_maxrss is the peak of the *largest
  single* process, which under-reports a multi-process writer (`--procs 2`).

Stdlib only: this file runs under any Python 3.11.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.05


@dataclass
class Run:
    seconds: float
    rc: int
    stdout: bytes = b""
    stderr: bytes = b""
    maxrss_kb: int | None = None  # largest single process (getrusage of children)
    tree_kb: int | None = None  # peak of the sampled sum over the process tree
    timed_out: bool = False
    cpu_seconds: float | None = None  # user + system time of the command and its waited-for children
    others: float | None = None  # CPUs' worth of time used by other processes during the run (0.0-cores)

    def brief(self) -> dict:
        d = asdict(self)
        d.pop("stdout")
        d["stderr"] = _tail(self.stderr)
        return d


def _tail(data: bytes, lines: int = 3) -> str:
    text = data.decode("utf-8", "replace").strip().splitlines()
    return " | ".join(text[-lines:])[:400]


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_once(
    argv: list[str] | str,
    *,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = 300.0,
    shell: bool = False,
) -> Run:
    """Run a command to completion, timing it as a whole process.

    CPU time is the change in this process's RUSAGE_CHILDREN, exact because
    the harness runs one command at a time.
    """
    before = _children_cpu()
    busy0 = machine_busy()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        shell=shell,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        return Run(time.perf_counter() - t0, -9, out, err, timed_out=True)
    seconds = time.perf_counter() - t0
    cpu = _children_cpu() - before
    return Run(seconds, proc.returncode, out, err, cpu_seconds=cpu, others=_others(busy0, cpu, seconds))


def machine_busy() -> float:
    """CPU seconds spent so far by the whole machine (all CPUs, not idle or waiting for I/O)."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()[1:]
    except OSError:
        return 0.0
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _others(busy0: float, own_cpu: float, seconds: float) -> float | None:
    """Average number of CPUs kept busy by anything but the measured command."""
    if seconds <= 0:
        return None
    return max(0.0, (machine_busy() - busy0 - own_cpu) / seconds)


def others_now(window: float = 0.3) -> float:
    """CPUs busy with other processes right now (the harness itself sleeps meanwhile)."""
    b0 = machine_busy()
    time.sleep(window)
    return max(0.0, (machine_busy() - b0) / window)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_with_memory(
    argv: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = 3600.0,
    python: str | None = None,
) -> Run:
    """Run a command inside a fresh wrapper process that reports its peak memory."""
    before = _children_cpu()
    busy0 = machine_busy()
    with tempfile.TemporaryDirectory(prefix="newsctl-bench-") as tmp:
        out_path = Path(tmp) / "stdout"
        report = Path(tmp) / "report.json"
        wrapper = [
            python or sys.executable,
            str(Path(__file__).resolve()),
            "--stdout",
            str(out_path),
            "--report",
            str(report),
            "--timeout",
            str(timeout),
            "--",
            *argv,
        ]
        proc = subprocess.run(wrapper, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True)
        if not report.exists():
            return Run(0.0, -1, b"", proc.stderr or b"measure wrapper failed")
        data = json.loads(report.read_text())
        stdout = out_path.read_bytes() if out_path.exists() else b""
        wrapper_cpu = _children_cpu() - before  # the command, its children and the wrapper's sampling
        return Run(
            seconds=data["seconds"],
            rc=data["rc"],
            stdout=stdout,
            stderr=proc.stderr,
            maxrss_kb=data["maxrss_kb"],
            tree_kb=data["tree_kb"],
            timed_out=data["timed_out"],
            cpu_seconds=data.get("cpu_seconds"),
            others=_others(busy0, wrapper_cpu, data["seconds"]),
        )


# --- the wrapper ---------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces or parentheses: split after the last ')'
        rest = stat[stat.rfind(b")") + 2 :].split()
        kids.setdefault(int(rest[1]), []).append(int(name))
    return kids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _tree_rss_kb(root: int) -> int:
    kids = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(kids.get(pid, ()))
    return total


def _wrapper_main(args: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="run a command; report time, exit code and peak memory as JSON")
    ap.add_argument("--stdout", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("argv", nargs=argparse.REMAINDER)
    ns = ap.parse_args(args)
    argv = ns.argv[1:] if ns.argv and ns.argv[0] == "--" else ns.argv
    peak = [0]
    done = threading.Event()
    with open(ns.stdout, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stdin=subprocess.DEVNULL, start_new_session=True)

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timed_out = False
        try:
            rc = proc.wait(timeout=ns.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            rc = proc.wait()
            timed_out = True
        seconds = time.perf_counter() - t0
        done.set()
        sampler.join()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    maxrss = ru.ru_maxrss  # KiB on Linux
    Path(ns.report).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "rc": rc,
                "maxrss_kb": maxrss,
                "tree_kb": max(peak[0], maxrss),
                "timed_out": timed_out,
                "cpu_seconds": ru.ru_utime + ru.ru_stime,
            }
        )
    )
    return 0


# --- statistics ------------------------------------------------------------------


@dataclass
class Summary:
    median: float
    low: float
    high: float
    n: int
    values: list[float] = field(default_factory=list)


def summarize(values: list[float]) -> Summary | None:
    if not values:
        return None
    return Summary(statistics.median(values), min(values), max(values), len(values), list(values))


if __name__ == "__main__":
    raise SystemExit(_wrapper_main(sys.argv[1:]))
