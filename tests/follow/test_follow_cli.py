"""watch add/list/rm and news, through the installed `newsctl` as users and cron run them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import copy_example_archive

NEWSCTL = Path(sys.executable).parent / "newsctl"
NW = "2022-02-28-NW202202282290536398"  # the example archive's one 高新区 post


def run(arc: Path, *args: str, stdout=None) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCTL_") and k != "NO_COLOR"}
    env["XDG_CONFIG_HOME"] = str(arc.parent / "config")
    kw = {"stdout": stdout} if stdout is not None else {"stdout": subprocess.PIPE}
    return subprocess.run([str(NEWSCTL), "--archive", str(arc), *args], stderr=subprocess.PIPE, text=True, env=env, timeout=120, **kw)


def ok(done: subprocess.CompletedProcess[str], code: int = 0) -> subprocess.CompletedProcess[str]:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done


@pytest.fixture
def arc(tmp_path: Path) -> Path:
    a = copy_example_archive(tmp_path / "arc")
    ok(run(a, "index"))
    return a


def write_post(arc: Path, name: str, title: str, date: str, body: str, category: str = "emnews") -> Path:
    path = arc / "_posts" / name
    path.write_text(f"---\ntitle: {title}\ndate: {date}\ncategories: {category}\n---\n\n{body}\n", "utf-8")
    return path


def news_json(arc: Path, *args: str) -> tuple[int, list[dict]]:
    done = run(arc, "news", "--format", "json", *args)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


# --- watch add / list / rm --------------------------------------------------------------


def test_watch_add_writes_a_hand_editable_table_and_keeps_comments(arc: Path):
    config = arc / ".newsctl" / "config.toml"
    config.write_text('# my archive\ntimezone = "Asia/Shanghai"  # where the posts are from\n', "utf-8")
    ok(run(arc, "watch", "add", "gaoxin", "高新区"))
    ok(run(arc, "watch", "add", "ev", "新能源 OR 电动车", "--category", "emnews", "--tag", "东财滚动新闻"))
    text = config.read_text("utf-8")
    assert text.startswith('# my archive\ntimezone = "Asia/Shanghai"  # where the posts are from\n')
    data = tomllib.loads(text)
    assert data["watches"] == {
        "gaoxin": {"query": "高新区"},
        "ev": {"query": "新能源 OR 电动车", "category": ["emnews"], "tag": ["东财滚动新闻"]},
    }
    # a person edits it: a comment, a watch written as a bare string
    config.write_text(text.replace("[watches]\n", "[watches]\n# follow the yuan\nyuan = \"人民币\"\n"), "utf-8")
    ok(run(arc, "watch", "rm", "ev"))
    text = config.read_text("utf-8")
    assert "# my archive" in text and "# follow the yuan" in text and "# where the posts are from" in text
    assert list(tomllib.loads(text)["watches"]) == ["yuan", "gaoxin"]
    listed = json.loads(ok(run(arc, "watch", "list", "--format", "json")).stdout)
    assert [(w["name"], w["query"]) for w in listed] == [("yuan", "人民币"), ("gaoxin", "高新区")]


def test_watch_list_shows_name_query_matches_unread(arc: Path):
    ok(run(arc, "watch", "add", "yuan", "人民币"))
    ok(run(arc, "watch", "add", "gaoxin", "高新区", "--backlog"))
    lines = ok(run(arc, "watch", "list")).stdout.splitlines()
    assert lines == ["yuan\t人民币\t2\t0", "gaoxin\t高新区\t1\t1"]  # into a pipe: tab-separated
    listed = json.loads(ok(run(arc, "watch", "list", "--format", "json")).stdout)
    assert listed[0]["matches"] == 2 and listed[0]["unread"] == 0 and listed[0]["categories"] == []
    assert listed[1]["unread"] == 1 and listed[1]["read"] is None
    ok(run(arc, "news", "gaoxin"))
    listed = json.loads(ok(run(arc, "watch", "list", "--format", "json")).stdout)
    assert listed[1]["unread"] == 0 and listed[1]["read"].endswith("+08:00")


def test_a_negated_query_follows_double_dash_as_the_help_says(arc: Path):
    assert "newsctl watch add pork --backlog -- 猪肉 -北京" in ok(run(arc, "watch", "add", "--help")).stdout
    ok(run(arc, "watch", "add", "yuan", "--backlog", "--", "人民币", "-汽车"))
    assert json.loads(ok(run(arc, "watch", "list", "--format", "json")).stdout)[0]["query"] == "人民币 -汽车"
    assert [i["title"] for i in news_json(arc)[1]] == ["离岸人民币兑美元升至2018年以来最高水平"]


def test_watch_list_without_watches_exits_1(arc: Path):
    done = ok(run(arc, "watch", "list"), 1)
    assert done.stdout == "" and "watch add" in done.stderr


def test_a_bad_query_is_refused_with_the_parsers_message(arc: Path):
    search = ok(run(arc, "search", '"国家高新区'), 2)
    done = ok(run(arc, "watch", "add", "bad", '"国家高新区'), 2)
    parser_message = search.stderr.split("error: ", 1)[1].strip()
    assert parser_message in done.stderr and "'bad'" in done.stderr
    assert not (arc / ".newsctl" / "config.toml").exists() or "bad" not in (arc / ".newsctl" / "config.toml").read_text()


@pytest.mark.parametrize("name", ["has space", "-dash", "a/b", ""])
def test_bad_names_are_refused(arc: Path, name: str):
    done = ok(run(arc, "watch", "add", "--", name, "高新区"), 2)
    assert "bad watch name" in done.stderr


def test_a_taken_name_and_an_unknown_name_are_errors(arc: Path):
    ok(run(arc, "watch", "add", "gaoxin", "高新区"))
    assert "exists" in ok(run(arc, "watch", "add", "gaoxin", "科技园"), 2).stderr
    assert "no watch named 'nope'" in ok(run(arc, "watch", "rm", "nope"), 2).stderr
    assert "no watch named 'nope'" in ok(run(arc, "news", "nope"), 2).stderr


def test_a_broken_watch_table_names_the_file(arc: Path):
    config = arc / ".newsctl" / "config.toml"
    config.write_text('[watches]\nx = { qurey = "高新区" }\n', "utf-8")
    done = ok(run(arc, "news"), 2)
    assert str(config) in done.stderr and "unknown key 'qurey'" in done.stderr
    assert ok(run(arc, "search", "高新区")).returncode == 0  # other commands are not affected


def test_watches_do_not_belong_in_the_user_config(arc: Path):
    user = arc.parent / "config" / "newsctl" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text('[watches]\nx = "高新区"\n', "utf-8")
    assert "belongs in an archive's" in ok(run(arc, "list"), 2).stderr


# --- news ---------------------------------------------------------------------------------


def test_a_new_watch_starts_empty_and_a_backdated_import_is_new(arc: Path):
    ok(run(arc, "watch", "add", "gaoxin", "高新区"))
    done = ok(run(arc, "news"), 1)
    assert done.stdout == ""
    # a post dated ten years ago, imported today
    write_post(arc, "2012-05-01-old.md", "高新区十年前的规划", "2012-05-01 09:00:00", "当年的高新区规划。")
    ok(run(arc, "index"))
    code, items = news_json(arc, "--peek")
    assert code == 0 and [i["id"] for i in items] == ["2012-05-01-old"]
    assert items[0]["watch"] == "gaoxin" and items[0]["change"] == "new" and items[0]["indexed"].endswith("+08:00")
    assert items[0]["highlights"] and items[0]["title_highlights"] == [[0, 3]]
    assert news_json(arc)[1] == items  # --peek did not mark it read
    assert news_json(arc) == (1, [])  # now it is read


def test_an_edited_post_is_not_new_again_unless_changed(arc: Path):
    ok(run(arc, "watch", "add", "gaoxin", "高新区"))
    post = arc / "_posts" / f"{NW}.md"
    post.write_text(post.read_text("utf-8") + "\n补充：高新区再获表彰。\n", "utf-8")
    ok(run(arc, "index"))
    assert news_json(arc, "--peek") == (1, [])
    code, items = news_json(arc, "--changed", "--peek")
    assert code == 0 and [(i["id"], i["change"]) for i in items] == [(NW, "changed")]
    table = ok(run(arc, "news", "--changed")).stdout
    assert "[changed] 争当国家高新区建设发展新标杆" in table
    assert news_json(arc, "--changed") == (1, [])


def test_news_per_watch_in_every_format(arc: Path):
    ok(run(arc, "watch", "add", "gaoxin", "高新区"))
    ok(run(arc, "watch", "add", "zone", "开发区 OR 高新区"))
    ok(run(arc, "watch", "add", "quiet", "没有这种词语吧"))
    new = write_post(arc, "2025-06-01-new.md", "高新区开发区新政", "2025-06-01 08:00:00", "高新区与开发区合并。")
    ok(run(arc, "index"))
    table = ok(run(arc, "news", "--peek")).stdout
    assert table.splitlines()[0] == "gaoxin · 1 new" and "zone · 1 new" in table and "quiet" not in table
    assert " 1. 高新区开发区新政  2025-06-01 08:00 · emnews" in table
    lines = ok(run(arc, "news", "--peek", "--format", "jsonl")).stdout.splitlines()
    assert [json.loads(x)["watch"] for x in lines] == ["gaoxin", "zone"]
    assert ok(run(arc, "news", "--peek", "--format", "paths")).stdout == f"{new}\n"  # each post once
    assert ok(run(arc, "news", "--peek", "--format", "tsv")).stdout == "2025-06-01-new\t高新区开发区新政\t2025-06-01 08:00\n"
    assert ok(run(arc, "news", "zone", "--format", "paths", "-0")).stdout == f"{new}\0"
    code, items = news_json(arc)  # zone was read above; gaoxin is still unread
    assert code == 0 and [i["watch"] for i in items] == ["gaoxin"]


def test_news_without_watches_is_an_error(arc: Path):
    assert "watch add" in ok(run(arc, "news"), 2).stderr


def test_a_watch_written_by_hand_starts_at_its_first_news(arc: Path):
    (arc / ".newsctl" / "config.toml").write_text('[watches]\ngaoxin = "高新区"\n', "utf-8")
    assert json.loads(ok(run(arc, "watch", "list", "--format", "json")).stdout)[0]["unread"] is None
    done = ok(run(arc, "news"), 1)
    assert "gaoxin: a new watch; following it from now" in done.stderr
    write_post(arc, "2025-06-01-new.md", "高新区新政", "2025-06-01 08:00:00", "高新区新政。")
    ok(run(arc, "index"))
    assert [i["id"] for i in news_json(arc)[1]] == ["2025-06-01-new"]


def test_posts_added_with_add_are_new_and_a_copy_is_not(arc: Path, tmp_path: Path):
    ok(run(arc, "watch", "add", "gaoxin", "高新区"))
    src = tmp_path / "2019-01-01-import.md"
    src.write_text("---\ntitle: 高新区旧事\ndate: 2019-01-01 10:00:00\n---\n\n高新区旧事一则。\n", "utf-8")
    ok(run(arc, "add", str(src)))
    assert [i["id"] for i in news_json(arc)[1]] == ["2019-01-01-import"]
    # the same post under another name (a rename, or a copy made by hand) is not news
    shutil.copy(arc / "_posts" / f"{NW}.md", arc / "_posts" / "2022-02-28-copy.md")
    (arc / "_posts" / "2019-01-01-import.md").rename(arc / "_posts" / "2019-01-01-renamed.md")
    ok(run(arc, "index"))
    assert news_json(arc) == (1, [])


def test_a_rebuild_changes_nothing_news_shows(arc: Path):
    ok(run(arc, "watch", "add", "gaoxin", "高新区"))
    write_post(arc, "2025-06-01-new.md", "高新区新政", "2025-06-01 08:00:00", "高新区新政。")
    ok(run(arc, "index"))
    ok(run(arc, "index", "--rebuild"))
    assert [i["id"] for i in news_json(arc, "--peek")[1]] == ["2025-06-01-new"]
    news_json(arc)
    ok(run(arc, "index", "--rebuild"))
    assert news_json(arc, "--changed") == (1, [])


def test_output_that_does_not_arrive_marks_nothing_read(arc: Path):
    ok(run(arc, "watch", "add", "gaoxin", "高新区", "--backlog"))
    read_end, write_end = os.pipe()
    os.close(read_end)  # `newsctl news | head -c 0`: the reader is gone
    with os.fdopen(write_end, "w") as closed:
        ok(run(arc, "news", "--format", "jsonl", stdout=closed), 0)  # a closed pipe is a quiet end
    with open("/dev/full", "w") as full:  # a full disk
        assert run(arc, "news", "--format", "jsonl", stdout=full).returncode != 0
    assert [i["id"] for i in news_json(arc)[1]] == [NW]  # still unread, shown now
    assert news_json(arc) == (1, [])


def test_news_does_not_wait_for_a_running_writer(arc: Path):
    """A writer holds the archive's lock (an index run): news answers at once, and marks."""
    from newsctl.lock import write_lock

    ok(run(arc, "watch", "add", "gaoxin", "高新区", "--backlog"))
    with write_lock(arc / ".newsctl", command="test: a long index"):
        assert ok(run(arc, "index"), 75)  # a second writer is refused: the lock is held
        code, items = news_json(arc)
        assert code == 0 and [i["id"] for i in items] == [NW]
        assert news_json(arc) == (1, [])


def test_help_has_examples():
    for cmd in (["watch"], ["watch", "add"], ["watch", "list"], ["watch", "rm"], ["news"], ["related"]):
        done = subprocess.run([str(NEWSCTL), *cmd, "--help"], capture_output=True, text=True)
        assert done.returncode == 0 and "Examples:" in done.stdout and f"newsctl {cmd[0]}" in done.stdout, cmd
