"""Every script in examples/ runs, as a user would run it, and prints what it promises.

Each runs in a temp copy of examples/archive (indexed once), with the venv's
newsctl first on PATH and NEWSCTL_ARCHIVE pointing at the copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_example_archive

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BIN = Path(sys.executable).parent

needs_jq = pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
needs_fzf = pytest.mark.skipif(
    shutil.which("fzf") is None, reason="fzf is not installed (Debian/Ubuntu: apt-get install fzf)"
)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    assert (BIN / "newsctl").exists(), f"newsctl is not installed in {BIN}"
    work = tmp_path_factory.mktemp("examples")
    copy_example_archive(work / "arc")
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith("NEWSCTL_") and k not in ("NO_COLOR", "PAGER", "FORCE_COLOR")
    }
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}", NEWSCTL_ARCHIVE=str(work / "arc"),
               XDG_CONFIG_HOME=str(work / "config"), LC_ALL="C.UTF-8")
    done = subprocess.run(["newsctl", "index"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    env["WORK"] = str(work)
    return env


def run(env: dict[str, str], script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(EXAMPLES / script), *args], env=env, cwd=env["WORK"],
                          capture_output=True, text=True, timeout=120)


def test_every_example_script_is_tested():
    scripts = sorted(p.name for p in EXAMPLES.glob("*.sh"))
    tested = {name[len("test_"):].replace("_", "-") + ".sh" for name in globals() if name.startswith("test_")}
    assert scripts and set(scripts) <= tested, f"untested: {set(scripts) - tested}"
    for name in scripts:
        assert os.access(EXAMPLES / name, os.X_OK), f"{name} is not executable"
        assert f"`{name}`" in (EXAMPLES / "README.md").read_text(), f"{name} is not in examples/README.md"


def test_search_to_xargs(env):
    done = run(env, "search-to-xargs.sh", "人民币")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.rsplit(":", 1)[1] for line in lines] == ["2", "1"]  # most mentions first
    assert all(Path(line.rsplit(":", 1)[0]).is_file() for line in lines)
    done = run(env, "search-to-xargs.sh", "没有这种词语吧")
    assert done.returncode == 0 and done.stdout == ""  # nothing found: xargs runs nothing


def test_search_to_xargs_survives_odd_file_names(env):
    posts = Path(env["NEWSCTL_ARCHIVE"]) / "_posts"
    odd = posts / "2021-12-09-a 'quoted' \"name\" $HOME.md"
    shutil.copy(posts / "2021-12-08-202112082206672930.md", odd)
    try:
        subprocess.run(["newsctl", "index"], env=env, capture_output=True)
        done = run(env, "search-to-xargs.sh", "离岸人民币")
        assert done.returncode == 0, done.stderr
        assert f"{odd}:2" in done.stdout.splitlines()  # the title and the body
    finally:
        odd.unlink()
        subprocess.run(["newsctl", "index"], env=env, capture_output=True)


@needs_jq
def test_jq_recipes(env):
    done = run(env, "jq-recipes.sh", "人民币")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "2021-12-08\t2021-12-08-202112082206672930\t离岸人民币兑美元升至2018年以来最高水平" in out
    assert "离岸【人民币】兑美元升至6.3512，为2018年以来最高水平。" in out  # highlight offsets index the snippet
    assert "emnews\t24\nxinwenlianbo\t15\nmianyangribao\t1" in out
    assert out.rstrip().endswith("2021-12\t2")


@needs_jq
def test_daily_digest(env):
    done = run(env, "daily-digest.sh", "人民币", "2021-12-08")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("# 人民币 · 2021-12-08 · 2 post(s)\n")
    assert re.findall(r"^## (.+)$", out, re.M) == [
        "八大券商主题策略：掘金十万亿汽车零部件大市场！产业链核心标的名单全梳理",  # newest first
        "离岸人民币兑美元升至2018年以来最高水平",
    ]
    assert "10:46 · emnews" in out and "http://finance.eastmoney.com/news/11060,202112082206672930.html" in out
    done = run(env, "daily-digest.sh", "人民币")  # yesterday: the example posts are older
    assert done.returncode == 0 and "No posts." in done.stdout
    done = run(env, "daily-digest.sh")
    assert done.returncode != 0 and "usage" in done.stderr
    done = run(env, "daily-digest.sh", "人民币", "not-a-day")
    assert done.returncode == 2 and "cannot read date" in done.stderr


@needs_fzf
def test_fzf_search(env):
    """The script's two halves without a terminal: the lines its reload command gives fzf,
    and a pick through fzf's non-interactive --filter mode, opened with NEWSCTL_OPEN."""
    import json

    done = run(env, "fzf-search.sh", "--lines", "人民币")
    assert done.returncode == 0, done.stderr
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    assert [len(f) for f in lines] == [3, 3]
    assert lines[0] == ["2021-12-08-202112082206672930", "离岸人民币兑美元升至2018年以来最高水平", "2021-12-08 10:46"]
    for words in (["人民币", "-汽车"], ['"unclosed'], []):  # a negation, a half-typed query, nothing yet
        done = run(env, "fzf-search.sh", "--lines", *words)
        assert done.returncode == 0 and done.stderr == "", done.stderr
    assert run(env, "fzf-search.sh", "--lines", "人民币", "-汽车").stdout.count("\n") == 1
    assert run(env, "fzf-search.sh", "--lines", '"unclosed').stdout == ""
    opened = {**env, "NEWSCTL_OPEN": "newsctl show --format json"}
    done = subprocess.run(["sh", str(EXAMPLES / "fzf-search.sh"), "--filter", "零部件", "人民币"], env=opened,
                          cwd=env["WORK"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"] == "2021-12-08-202112082206891339"  # the hit fzf kept, shown
    done = run(env, "fzf-search.sh", "--filter", "没有这个标题", "人民币")
    assert done.returncode == 1 and done.stdout == ""  # nothing picked
    script = (EXAMPLES / "fzf-search.sh").read_text()
    assert "--bind \"change:reload:sh '$self' --lines {q}\"" in script and "newsctl --color always show --no-pager {1}" in script


def test_cron_news_mail(env, tmp_path):
    """index, then mail only what is new; a failed mail is sent with the next run's news."""
    arc = tmp_path / "arc"
    copy_example_archive(arc)
    script = EXAMPLES / "cron" / "news-mail.sh"
    assert os.access(script, os.X_OK)
    outbox = tmp_path / "outbox"
    fake_mail = tmp_path / "mail"
    fake_mail.write_text('#!/bin/sh\n[ -e "$FAIL_MAIL" ] && exit 1\n{ echo "to: $3 subject: $2"; cat; } >> "$OUTBOX"\n')
    fake_mail.chmod(0o755)
    env = {**env, "NEWS_TO": "me@example.org", "MAIL_COMMAND": str(fake_mail), "OUTBOX": str(outbox),
           "FAIL_MAIL": str(tmp_path / "fail")}

    def cron() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["sh", str(script), str(arc)], env=env, capture_output=True, text=True, timeout=120)

    done = cron()  # no watches yet: a set-up error cron mails
    assert done.returncode == 2 and "watch add" in done.stderr and not outbox.exists()
    subprocess.run(["newsctl", "--archive", str(arc), "watch", "add", "gaoxin", "高新区"], env=env, check=True)
    assert cron().returncode == 0 and not outbox.exists()  # a new watch starts empty
    (arc / "_posts" / "2013-01-01-old.md").write_text("---\ntitle: 高新区旧闻\ndate: 2013-01-01\n---\n\n高新区旧闻。\n")
    (tmp_path / "fail").touch()
    assert cron().returncode == 75 and not outbox.exists()  # mail failed: kept for the next run
    (tmp_path / "fail").unlink()
    (arc / "_posts" / "2014-01-01-older.md").write_text("---\ntitle: 高新区更旧闻\ndate: 2014-01-01\n---\n\n高新区。\n")
    done = cron()
    assert done.returncode == 0, done.stderr
    mail = outbox.read_text()
    assert mail.startswith("to: me@example.org subject: news from arc, ")
    assert "高新区旧闻" in mail and "高新区更旧闻" in mail and mail.count("gaoxin · 1 new") == 2
    assert cron().returncode == 0 and outbox.read_text() == mail  # nothing new: no mail


# --- docs/json-format.md says what is printed ---------------------------------------------

DOC = ROOT / "docs" / "json-format.md"


def documented(section: str) -> set[str]:
    """The field names in the first column of a section's table."""
    text = DOC.read_text("utf-8")
    part = text.split(f"\n## {section}", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for row in re.findall(r"^\| (`[^|]+`) \|", part, re.M):
        names.update(re.findall(r"`([a-z_]+)`", row))
    return names


def printed(env: dict[str, str], *args: str) -> list[dict]:
    import json

    done = subprocess.run(["newsctl", *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_the_json_page_documents_exactly_the_fields_printed(env):
    record = documented("Post record")
    assert set(printed(env, "list", "--format", "jsonl", "-n", "1")[0]) == record
    assert set(printed(env, "search", "人民币", "--format", "jsonl")[0]) == record | documented("Search hit")
    assert set(printed(env, "show", "--format", "json", "2022-02-28-NW202202282290536398")[0]) == record | documented("One post")
    assert set(printed(env, "related", "2021-12-08-202112082206672930", "--format", "jsonl")[0]) == record | documented("Search hit")
    stats = printed(env, "stats", "人民币", "--format", "json")[0]
    assert set(stats) == documented("Figures")
    assert set(stats["categories"][0]) == {"name", "posts"} and set(stats["timeline"][0]) == {"period", "posts"}


def test_the_json_page_documents_news_and_watches(env, tmp_path):
    arc = tmp_path / "arc"
    copy_example_archive(arc)
    env = {**env, "NEWSCTL_ARCHIVE": str(arc)}
    for args in (["index"], ["watch", "add", "yuan", "人民币", "--backlog"]):
        subprocess.run(["newsctl", *args], env=env, check=True, capture_output=True)
    assert set(printed(env, "watch", "list", "--format", "jsonl")[0]) == documented("Watch")
    news = printed(env, "news", "--format", "jsonl")
    assert set(news[0]) == documented("Post record") | documented("News item")
    assert news[0]["change"] == "new" and news[0]["indexed"] is None  # indexed before anything was followed


def test_the_json_page_examples_are_real_output(env):
    import json

    text = DOC.read_text("utf-8")
    examples = [json.loads(block) for block in re.findall(r"```json\n(.+?)\n```", text, re.S)]
    assert len(examples) == 4
    arc = env["NEWSCTL_ARCHIVE"]

    def same(a: dict, b: dict) -> bool:
        b = {**b, "path": b["path"].replace(f"{arc}/", "/home/me/news/")} if "path" in b else b
        if "score" in a:
            a, b = {**a, "score": None}, {**b, "score": None}
        return a == b

    listed = printed(env, "list", "--format", "jsonl", "-n", "0")
    assert same(examples[0], next(r for r in listed if r["id"] == examples[0]["id"]))
    assert same(examples[1], printed(env, "search", "人民币", "--format", "jsonl")[0])
    assert examples[2] == printed(env, "search", "人民币", "--count", "--format", "json")[0]
    assert same(examples[3], printed(env, "stats", "人民币", "--format", "json")[0])
