"""Kept-up-to-date exports (issue 12): bound once with --keep, rewritten atomically by the
command that changed the output, never when the output is the same, failures reported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import bibtexparser
import pytest

from app.cli import main
from app.export import ExportOptions, Selection
from app.export.kept import Follower


def run(lib, *argv):
    return main(["--library", str(lib.path), *argv])


@pytest.fixture
def tagged(seeded):
    ids = seeded.paper_ids(sort="added")[:5]
    seeded.add_tags(ids, ["reading"])
    return seeded


def entries(path):
    return bibtexparser.parse_string(path.read_text(encoding="utf-8")).entries


def test_keep_then_a_tag_change_rewrites_before_the_command_exits(tagged, tmp_path, capsys):
    refs = tmp_path / "refs.bib"
    assert (
        run(tagged, "export", "--tag", "reading", "--format", "bibtex", "-o", str(refs), "--keep")
        == 0
    )
    assert len(entries(refs)) == 5
    other = [i for i in tagged.paper_ids() if "reading" not in tagged.get(i).tags][0]
    assert run(tagged, "tag", "add", str(other), "-t", "reading") == 0
    assert len(entries(refs)) == 6
    assert run(tagged, "tag", "remove", str(other), "-t", "reading") == 0
    assert len(entries(refs)) == 5
    capsys.readouterr()
    assert run(tagged, "exports", "--json") == 0
    (b,) = json.loads(capsys.readouterr().out)
    assert b["path"] == str(refs) and b["format"] == "bibtex" and b["tags"] == ["reading"]
    assert b["papers"] == 5 and b["error"] is None and b["last_written"]


def test_a_change_that_does_not_alter_the_output_writes_nothing(tagged, tmp_path):
    refs = tmp_path / "refs.bib"
    tagged.keep_export(refs, "bibtex", Selection(tags=("reading",)), ExportOptions())
    stamp = refs.stat().st_mtime_ns
    os.utime(refs, ns=(1, 1))
    outside = [i for i in tagged.paper_ids() if "reading" not in tagged.get(i).tags][0]
    assert run(tagged, "star", str(outside)) == 0  # not in the export
    assert refs.stat().st_mtime_ns == 1, "rewritten though nothing changed"
    result = tagged.refresh_kept_exports()
    assert result.unchanged == [str(refs)] and not result.written and stamp


def test_metadata_edit_of_an_exported_paper_rewrites(tagged, tmp_path):
    refs = tmp_path / "refs.json"
    tagged.keep_export(refs, "csl-json", Selection(tags=("reading",)), ExportOptions())
    pid = tagged.paper_ids(sort="added")[0]
    tagged.edit_paper(pid, {"title": "An Edited Title"})
    assert tagged.refresh_kept_exports().written == [str(refs)]
    assert "An Edited Title" in refs.read_text(encoding="utf-8")


def test_unwritable_destination_is_reported_and_the_old_file_stays(tagged, tmp_path, capsys):
    """The folder made read-only (``chattr +i`` as root, else its permission bits)."""
    folder = tmp_path / "out"
    folder.mkdir()
    refs = folder / "refs.ris"
    tagged.keep_export(refs, "ris", Selection(tags=("reading",)), ExportOptions())
    before = refs.read_text(encoding="utf-8")
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)]).returncode:
            pytest.skip("this file system cannot make a folder read-only for root")
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o500)
        undo = ["chmod", "700", str(folder)]
    try:
        pid = [i for i in tagged.paper_ids() if "reading" not in tagged.get(i).tags][0]
        capsys.readouterr()
        assert run(tagged, "tag", "add", str(pid), "-t", "reading") == 0  # the change stands
        err = capsys.readouterr().err
        assert "kept export not updated" in err and str(refs) in err
        assert len(err.strip().splitlines()) == 1
        assert refs.read_text(encoding="utf-8") == before
        assert "reading" in tagged.get(pid).tags
        run(tagged, "exports", "--json")
        (b,) = json.loads(capsys.readouterr().out)
        assert b["error"] and str(refs) in b["error"]
    finally:
        subprocess.run(undo, check=True)
    assert tagged.refresh_kept_exports().written == [str(refs)]  # it catches up
    assert tagged.kept_exports()[0].error is None


def test_destination_that_became_a_folder_is_reported(tagged, tmp_path, capsys):
    refs = tmp_path / "refs.bib"
    tagged.keep_export(refs, "bibtex", Selection(tags=("reading",)), ExportOptions())
    refs.unlink()
    refs.mkdir()
    pid = [i for i in tagged.paper_ids() if "reading" not in tagged.get(i).tags][0]
    assert run(tagged, "tag", "add", str(pid), "-t", "reading") == 0
    assert "is a folder" in capsys.readouterr().err
    assert tagged.kept_exports()[0].error


def test_exports_remove_and_bad_input(tagged, tmp_path, capsys):
    refs = tmp_path / "refs.md"
    assert (
        run(tagged, "export", "--tag", "reading", "--format", "md", "-o", str(refs), "--keep") == 0
    )
    assert run(tagged, "exports", "remove", str(tmp_path / "other.md")) == 2
    assert run(tagged, "exports", "remove", str(refs)) == 0
    assert tagged.kept_exports() == [] and refs.exists()
    capsys.readouterr()
    assert run(tagged, "export", "--tag", "reading", "--format", "md", "--keep") == 2
    assert "--keep needs -o" in capsys.readouterr().err
    assert run(tagged, "export", "--tag", "nope", "--format", "md", "-o", str(refs), "--keep") == 2
    assert tagged.kept_exports() == []


def test_query_and_saved_search_bindings(tagged, tmp_path):
    tagged.index.sync()
    refs = tmp_path / "q.bib"
    assert (
        run(
            tagged,
            "export",
            "--query",
            "language",
            "--format",
            "biblatex",
            "-o",
            str(refs),
            "--keep",
        )
        == 0
    )
    tagged.save_search("lang", "language")
    saved = tmp_path / "s.bib"
    assert (
        run(tagged, "export", "--saved", "lang", "--format", "bibtex", "-o", str(saved), "--keep")
        == 0
    )
    assert refs.read_text(encoding="utf-8").count("@") == saved.read_text(encoding="utf-8").count(
        "@"
    )
    assert {b.selection.query for b in tagged.kept_exports()} == {"language"}


def test_follower_debounces_a_burst(tagged, tmp_path):
    refs = tmp_path / "refs.bib"
    tagged.keep_export(refs, "bibtex", Selection(tags=("reading",)), ExportOptions())
    follower = Follower(tagged, delay=0.2, max_wait=1.0)
    try:
        ids = tagged.paper_ids()[:100]
        for pid in ids:
            tagged.add_tags([pid], ["reading"])
            follower.request()
        assert follower.wait(30)
        assert 1 <= follower.refreshes <= 5
        assert len(entries(refs)) == len(set(ids) | set(tagged.paper_ids(sort="added")[:5]))
    finally:
        follower.stop()


def test_incremental_rewrites_equal_a_fresh_export(tagged, tmp_path):
    from app.export import export
    from app.export.kept import Entries, cache_folder, refresh

    refs, fresh = tmp_path / "refs.bib", tmp_path / "fresh.bib"
    sel = Selection(tags=("reading",))
    tagged.keep_export(refs, "biblatex", sel, ExportOptions())
    first = tagged.paper_ids(sort="added")[0]
    other = [i for i in tagged.paper_ids() if "reading" not in tagged.get(i).tags][0]
    assert run(tagged, "tag", "add", str(other), "-t", "reading") == 0  # from the disk cache
    assert run(tagged, "tag", "remove", str(other), "-t", "reading") == 0  # a paper leaves
    tagged.edit_paper(first, {"title": "A Retitled Paper"})
    cache = Entries(cache_folder(tagged))
    assert refresh(tagged, cache).written == [str(refs)]
    assert cache.rendered == 1, "only the edited paper is rendered again"
    export(tagged, sel, "biblatex", fresh)
    assert refs.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")
    assert "A Retitled Paper" in refs.read_text(encoding="utf-8")
    # A cache that is not what the binding last wrote is not used: everything is rendered.
    for f in cache_folder(tagged).iterdir():
        f.write_bytes(f.read_bytes().replace(b"A Retitled Paper", b"Stale"))
    tagged.edit_paper(first, {"title": "Retitled Again"})
    again = Entries(cache_folder(tagged))
    refresh(tagged, again)
    assert again.rendered == 5  # every paper of the tag
    export(tagged, sel, "biblatex", fresh)
    assert refs.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")


def test_a_cache_below_the_feed_horizon_renders_everything(tagged, tmp_path):
    """Retention pruned feed rows after the cache's position: changes may be gone from the
    feed, so the kept entries are not trusted and the file is rebuilt in full."""
    from app.export.kept import Entries, cache_folder, refresh
    from app.team.retention import prune

    refs = tmp_path / "refs.bib"
    tagged.keep_export(refs, "biblatex", Selection(tags=("reading",)), ExportOptions())
    first = tagged.paper_ids(sort="added")[0]
    tagged.edit_paper(first, {"title": "Edited Before The Prune"})
    tagged.edit_paper(tagged.paper_ids(sort="added")[1], {"title": "The Newest Change"})
    assert prune(tagged.store, days=0).horizon > 0
    # The edit's row is gone, as retention would leave it: the cache cannot see it changed.
    assert not [r for r in tagged.changes_since(0) if r[1] == first]
    cache = Entries(cache_folder(tagged))
    refresh(tagged, cache)
    assert cache.rendered == 5, "the cached entries were reused below the horizon"
    assert "Edited Before The Prune" in refs.read_text(encoding="utf-8")
