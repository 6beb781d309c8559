"""`newsctl show ID|PATH`: finding the post, the three outputs (text, raw, json), and errors."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import copy_example_archive

from newsctl.cli import main
from newsctl.posts.post import read_post

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "archive"
NW_ID = "2022-02-28-NW202202282290536398"
XWLB_ID = "2025-09-11-xwlb2025091110"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    for var in ("NEWSCTL_ARCHIVE", "NEWSCTL_INDEX_DIR", "NEWSCTL_TIMEZONE", "NO_COLOR", "NEWSCTL_PAGER", "PAGER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A copy of the example archive, not indexed: show reads files, not the index."""
    dest = tmp_path / "arc"
    copy_example_archive(dest)
    return dest


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsctl: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    "ref",
    [
        NW_ID,  # the full id (file name without suffix)
        "NW202202282290536398",  # the id without its date, as `list` shows it
        f"_posts/{NW_ID}.md",  # relative to the archive
        f"{NW_ID}.md",  # relative to _posts/
        "ABSOLUTE",
    ],
)
def test_a_post_is_found_by_id_short_id_or_path(capsys, archive: Path, ref: str):
    if ref == "ABSOLUTE":
        ref = str(archive / "_posts" / f"{NW_ID}.md")
    code, out, err = run(capsys, "--archive", str(archive), "show", ref)
    assert code == 0, err
    assert out.startswith("title: 争当国家高新区建设发展新标杆\n")
    assert f"\nid: {NW_ID}\n" in out


def test_a_path_relative_to_the_current_folder(capsys, archive: Path, monkeypatch):
    monkeypatch.chdir(archive / "_posts")
    code, out, _ = run(capsys, "show", f"./{XWLB_ID}.md")
    assert code == 0 and out.startswith("title: 国内联播快讯\n")


def test_piped_text_is_header_lines_then_paragraphs(capsys, archive: Path, tz):
    code, out, _ = run(capsys, "--archive", str(archive), "show", NW_ID)
    assert code == 0 and "\x1b" not in out
    head, _, body = out.partition("\n\n")
    assert dict(line.split(": ", 1) for line in head.splitlines())["categories"] == "mianyangribao"
    post = read_post(archive / "_posts" / f"{NW_ID}.md", tz)
    assert body == post.text + "\n"
    assert "返回首页" not in body and "infoCode" not in body  # back-links and the source line are not article text


def test_raw_prints_the_file_byte_for_byte(capsysbinary, archive: Path):
    code = main(["--archive", str(archive), "show", "--raw", XWLB_ID])
    out, _ = capsysbinary.readouterr()
    assert code == 0
    assert out == (archive / "_posts" / f"{XWLB_ID}.md").read_bytes()


def test_json_is_the_record_plus_body_and_text(capsys, archive: Path, tz):
    code, out, _ = run(capsys, "--archive", str(archive), "show", "--format", "json", XWLB_ID)
    assert code == 0
    data = json.loads(out)
    post = read_post(archive / "_posts" / f"{XWLB_ID}.md", tz)
    assert data == {
        "id": XWLB_ID,
        "path": str(archive / "_posts" / f"{XWLB_ID}.md"),
        "title": "国内联播快讯",
        "date": "2025-09-11T19:20:00+08:00",
        "categories": ["xinwenlianbo"],
        "tags": ["新闻联播"],
        "source": post.source,
        "date_origin": "front-matter",
        "text": post.text,
        "body": post.body,
    }


def test_an_unknown_id_is_exit_1_with_close_ids(capsys, archive: Path):
    code, out, err = run(capsys, "--archive", str(archive), "show", "xwlb20250911100")
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert "no post with id or path 'xwlb20250911100'" in line
    assert f"close ids: {XWLB_ID}" in line


def test_an_id_like_nothing_says_where_ids_are_listed(capsys, archive: Path):
    code, _, err = run(capsys, "--archive", str(archive), "show", "zzzz")
    assert code == 1
    assert "newsctl list" in one_error_line(err)


def test_a_short_id_shared_by_two_posts_is_a_usage_error(capsys, archive: Path):
    src = archive / "_posts" / f"{XWLB_ID}.md"
    shutil.copy(src, archive / "_posts" / "2025-09-12-xwlb2025091110.md")
    code, _, err = run(capsys, "--archive", str(archive), "show", "xwlb2025091110")
    assert code == 2
    line = one_error_line(err)
    assert "matches 2 posts" in line and "full id" in line
    code, _, _ = run(capsys, "--archive", str(archive), "show", XWLB_ID)
    assert code == 0  # the full id is never ambiguous


@pytest.mark.parametrize(
    "content, reason",
    [(b"\x00\x01binary", "binary"), (b"---\ntitle: [x\n---\n", "YAML"), (b"\xff\xfe\x00", "binary"), (b"no front matter\n", "front matter")],
)
def test_an_unreadable_post_is_one_line_naming_the_file(capsys, archive: Path, content: bytes, reason: str):
    bad = archive / "_posts" / "2022-01-01-bad.md"
    bad.write_bytes(content)
    code, out, err = run(capsys, "--archive", str(archive), "show", "2022-01-01-bad")
    assert code == 2 and out == ""
    line = one_error_line(err)
    assert str(bad) in line and reason.lower() in line.lower()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_post_without_read_permission_is_one_line(capsys, archive: Path):
    post = archive / "_posts" / f"{NW_ID}.md"
    post.chmod(0)
    try:
        for extra in ((), ("--raw",)):
            code, _, err = run(capsys, "--archive", str(archive), "show", *extra, NW_ID)
            assert code == 2 and str(post) in one_error_line(err)
    finally:
        post.chmod(0o644)


def test_raw_does_not_go_with_a_format(capsys, archive: Path):
    code, _, err = run(capsys, "--archive", str(archive), "show", "--raw", "--format", "json", NW_ID)
    assert code == 2 and "--raw" in one_error_line(err)


def test_a_folder_is_not_a_post(capsys, archive: Path):
    code, _, err = run(capsys, "--archive", str(archive), "show", "_posts/")
    assert code == 2 and "is a folder" in one_error_line(err)


def test_show_needs_no_index(capsys, archive: Path):
    assert not (archive / ".newsctl").exists()
    code, _, _ = run(capsys, "--archive", str(archive), "show", NW_ID)
    assert code == 0
    assert not (archive / ".newsctl").exists()  # reading never writes
