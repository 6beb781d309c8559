"""`newsctl related`: the same story elsewhere, the post itself and exact copies left out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_example_archive

NEWSCTL = Path(sys.executable).parent / "newsctl"


def run(arc: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCTL_") and k != "NO_COLOR"}
    env["XDG_CONFIG_HOME"] = str(arc.parent / "config")
    return subprocess.run([str(NEWSCTL), "--archive", str(arc), *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def arc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    a = copy_example_archive(tmp_path_factory.mktemp("related") / "arc")
    posts = a / "_posts"
    house = next(p for p in posts.iterdir() if "美国众议院已有足够票数" in p.read_text("utf-8"))
    # an exact copy under another name (and another date in its front matter): the same text
    text = house.read_text("utf-8").replace("date:", "date: 2021-12-09 08:00:00\nx-old-date:", 1)
    (posts / "2021-12-09-copy-of-house.md").write_text(text, "utf-8")
    (a / "house.txt").write_text(house.stem, "utf-8")
    done = run(a, "index")
    assert done.returncode == 0, done.stderr
    return a


def house_id(arc: Path) -> str:
    return (arc / "house.txt").read_text("utf-8")


def test_related_finds_the_same_story_and_leaves_out_the_post_and_its_copies(arc: Path):
    done = run(arc, "related", house_id(arc), "--format", "jsonl", "--explain")
    assert done.returncode == 0, done.stderr
    hits = [json.loads(line) for line in done.stdout.splitlines()]
    ids = [h["id"] for h in hits]
    assert house_id(arc) not in ids and "2021-12-09-copy-of-house" not in ids
    assert hits[0]["title"] == "美国会众议院通过法案 允许加快提高债务上限操作程序"  # the same story, told again
    assert hits[0]["score"] > 2 * hits[1]["score"]
    assert set(hits[0]) >= {"id", "path", "title", "date", "score", "snippet", "highlights", "title_highlights"}
    assert 1 < len(hits) <= 10  # the default limit; only posts sharing a key term
    assert "key terms: " in done.stderr and "众议院" in done.stderr and "exact copies left out: 1" in done.stderr


def test_related_by_path_in_every_format(arc: Path):
    path = str(arc / "_posts" / f"{house_id(arc)}.md")
    paths = run(arc, "related", path, "-n", "3", "--format", "paths")
    assert paths.returncode == 0 and len(paths.stdout.splitlines()) == 3
    assert all(Path(p).is_file() for p in paths.stdout.splitlines())
    tsv = run(arc, "related", path, "-n", "1", "--format", "tsv").stdout
    assert tsv.split("\t")[1] == "美国会众议院通过法案 允许加快提高债务上限操作程序"
    table = run(arc, "related", path, "-n", "2")
    assert table.returncode == 0 and table.stdout.startswith(" 1. 美国会众议院通过法案")
    listed = json.loads(run(arc, "related", path, "-n", "2", "--format", "json").stdout)
    assert [h["id"] for h in listed] == [json.loads(x)["id"] for x in run(arc, "related", path, "-n", "2", "--format", "jsonl").stdout.splitlines()]


def test_a_post_outside_the_archive_works_too(arc: Path, tmp_path: Path):
    src = arc / "_posts" / f"{house_id(arc)}.md"
    outside = tmp_path / "draft.md"
    shutil.copy(src, outside)
    done = run(arc, "related", str(outside), "-n", "1", "--format", "jsonl")
    assert done.returncode == 0
    # the archive's copies of the same text are copies of it: left out
    assert json.loads(done.stdout)["title"] == "美国会众议院通过法案 允许加快提高债务上限操作程序"


def test_unknown_ids_and_posts_without_words(arc: Path, tmp_path: Path):
    done = run(arc, "related", "no-such-post")
    assert done.returncode == 1 and "no post with id" in done.stderr and "Traceback" not in done.stderr
    empty = tmp_path / "2020-01-01-empty.md"
    empty.write_text("---\ntitle: 。\ndate: 2020-01-01\n---\n\n", "utf-8")
    done = run(arc, "related", str(empty))
    assert done.returncode == 1 and done.stdout == ""
