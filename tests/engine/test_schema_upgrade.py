"""An index made before the engine/ layout (schema 2) is rebuilt, never misread.

Whoosh pickles analyzer, format and codec classes by import path; they moved from
newsctl.analysis into newsctl.engine, so the old schema cannot even be unpickled.
tests/data/index-v2 holds such an index, built by newsctl at e5344e7.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "index-v2"
NEWSCTL = Path(sys.executable).parent / "newsctl"


def _archive(tmp_path: Path) -> Path:
    arc = tmp_path / "arc"
    shutil.copytree(DATA / "_posts", arc / "_posts")
    shutil.copytree(DATA / "state", arc / ".newsctl", symlinks=True)
    return arc


def _run(arc: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCTL_")}
    env["XDG_CONFIG_HOME"] = str(arc.parent / "config")
    return subprocess.run([str(NEWSCTL), "--archive", str(arc), *args], capture_output=True, text=True, env=env)


def test_the_fixture_is_a_schema_2_index():
    meta = next(DATA.glob("state/index.*/newsctl.json")).read_text()
    assert '"schema": "2.1"' in meta
    assert (DATA / "state" / "index").is_symlink()


def test_search_on_an_old_index_says_to_run_index(tmp_path):
    arc = _archive(tmp_path)
    done = _run(arc, "search", "高新区")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "made by another version of newsctl" in done.stderr and "newsctl index" in done.stderr


def test_index_rebuilds_an_old_index_and_says_why(tmp_path):
    arc = _archive(tmp_path)
    done = _run(arc, "index")
    assert done.returncode == 0, done.stderr
    assert "the index was made by another version of newsctl" in done.stderr
    assert "3 posts" in done.stderr and "(rebuilt)" in done.stderr
    found = _run(arc, "search", "高新区", "--format", "paths")
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == [str(arc / "_posts" / "2022-02-28-NW202202282290536398.md")]
    again = _run(arc, "index")
    assert again.returncode == 0 and "rebuilt" not in again.stderr
