"""``paperdesk export``: selection, stdout or an atomic file, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import resource

import pytest

from app.cli import main
from app.library import Library
from tests.conftest import SEED_AS_OF, SEEDS


def run(lib, *args):
    return main(["--library", str(lib.path), "export", *args])


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    """The seed library with two overlapping tags and three starred papers; built once,
    since building the search index for 325 papers takes a few seconds. Read-only here."""
    lib = Library.open(tmp_path_factory.mktemp("tagged") / "lib")
    lib.import_files([SEEDS["001"], SEEDS["003"]], as_of=SEED_AS_OF)
    ids = sorted(lib.paper_ids())
    lib.add_tags(ids[:10], ["alpha"])
    lib.add_tags(ids[5:15], ["beta"])
    lib.set_starred(ids[:3])
    yield lib
    lib.close()


def exported_ids(capsys) -> list[int]:
    return [p["id"] for p in json.loads(capsys.readouterr().out)["papers"]]


def test_tags_any_all_and_starred(tagged, capsys):
    ids = sorted(tagged.paper_ids())
    assert run(tagged, "--tag", "alpha", "--format", "json") == 0
    assert sorted(exported_ids(capsys)) == ids[:10]
    assert run(tagged, "--tag", "alpha", "--tag", "BETA", "--format", "json") == 0
    assert sorted(exported_ids(capsys)) == ids[5:10]
    assert run(tagged, "--tag", "alpha", "--tag", "beta", "--match", "any", "--format", "json") == 0
    assert sorted(exported_ids(capsys)) == ids[:15]
    assert run(tagged, "--tag", "alpha", "--starred", "--format", "json") == 0
    assert sorted(exported_ids(capsys)) == ids[:3]
    assert run(tagged, "--format", "json") == 0
    assert len(exported_ids(capsys)) == tagged.count()


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "bibtex", "ris", "html"])
def test_stdout_and_file_agree(tagged, tmp_path, capsys, fmt):
    assert run(tagged, "--tag", "beta", "--format", fmt) == 0
    out = capsys.readouterr().out
    (tmp_path / "out").mkdir()
    dest = tmp_path / "out" / f"list.{fmt}"
    assert run(tagged, "--tag", "beta", "--format", fmt, "-o", str(dest)) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"exported 10 paper(s) to {dest}" in captured.err
    body = dest.read_text(encoding="utf-8-sig")
    if fmt == "csv":  # the csv module writes CRLF rows; compare the cells
        assert list(csv.reader(io.StringIO(body))) == list(csv.reader(io.StringIO(out)))
    elif fmt == "json":
        drop = lambda d: {k: v for k, v in d.items() if k != "exported_at"}  # noqa: E731
        assert drop(json.loads(body)) == drop(json.loads(out))
    else:
        assert body == out
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]  # no temporary left over


def test_unknown_tag_exits_2_naming_it(tagged, tmp_path, capsys):
    dest = tmp_path / "x.md"
    assert (
        run(tagged, "--tag", "alpha", "--tag", "no such tag", "--format", "md", "-o", str(dest))
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'no such tag'" in err and "Traceback" not in err
    assert not dest.exists()


def test_bad_format_exits_2(tagged, capsys):
    assert run(tagged, "--format", "docx") == 2
    assert "docx" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["missing folder", "is a folder"])
def test_unwritable_destination(tagged, tmp_path, capsys, where):
    dest = tmp_path / "nowhere" / "x.bib" if where == "missing folder" else tmp_path
    assert run(tagged, "--format", "bibtex", "-o", str(dest)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"paperdesk: {dest}:") and err.count("\n") == 1


def test_read_only_folder(tagged, tmp_path, capsys):
    """Made immutable (``chattr +i``) as root, else by its permission bits."""
    import shutil
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)]).returncode:
            pytest.skip("this file system cannot make a folder read-only for root")
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o500)
        undo = ["chmod", "700", str(folder)]
    try:
        assert run(tagged, "--format", "csv", "-o", str(folder / "x.csv")) == 2
        assert "cannot write the export" in capsys.readouterr().err
        assert list(folder.iterdir()) == []
    finally:
        subprocess.run(undo, check=True)


def test_disk_full_leaves_the_old_file_and_no_partial(tagged, tmp_path, capsys):
    """A write that fails half-way (the file-size limit stands in for a full disk) keeps
    the previous export intact and leaves no temporary file behind."""
    (tmp_path / "out").mkdir()
    dest = tmp_path / "out" / "list.json"
    dest.write_text("previous export\n", encoding="utf-8")
    lib = Library.open(tagged.path)  # opened before the limit, as a running program would be
    from app.export import ExportError, Selection, export

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, hard))
    try:
        with pytest.raises(ExportError) as err:
            export(lib, Selection(), "json", dest)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        lib.close()
    assert str(err.value).startswith(f"{dest}: cannot write the export:")
    assert dest.read_text(encoding="utf-8") == "previous export\n"
    assert [p.name for p in dest.parent.iterdir()] == ["list.json"]


def test_query_selects_search_hits(tagged, capsys):
    hits = [h.paper_id for h in tagged.search("diffusion", limit=10_000).hits]
    assert hits
    assert run(tagged, "--query", "diffusion", "--format", "json") == 0
    assert exported_ids(capsys) == hits  # best first
    assert run(tagged, "--query", "diffusion", "--tag", "alpha", "--format", "json") == 0
    alpha = set(sorted(tagged.paper_ids())[:10])
    assert exported_ids(capsys) == [h for h in hits if h in alpha]
