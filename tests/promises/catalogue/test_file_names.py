"""The bad-input catalogue, odd file names and paths: the same article, one-line reports."""



from qa import Assistant
from tests.promises.catalogue.common import qa

# -- file names -------------------------------------------------------------------


def test_paths_with_dot_dot_and_absolute_paths_name_the_same_article(index, tmp_path):
    folder = tmp_path / "in" / "sub"
    folder.mkdir(parents=True)
    (folder / "lamp.txt").write_text("Lamp lit again\n\nThe old lamp was lit again on Friday evening.")
    tricky = tmp_path / "in" / "sub" / ".." / "sub" / "lamp.txt"
    with Assistant.open(index) as a:
        assert len(a.add(str(tricky)).added) == 1
        again = a.add(str((folder / "lamp.txt").resolve()))
        assert len(again.unchanged) == 1 and not again.added and not again.duplicates


def test_odd_file_names_are_reported_on_one_line(index, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad\nname\x1b[2J.txt").write_bytes(b"\x00binary")
    (folder / "good\tname ünï.txt").write_text("Odd names work\n\nA file with an odd name is still read.")
    proc = qa("ingest", folder, "--index", index, "--quiet")
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad\\nname\\x1b[2J.txt: binary file" in lines[0]
    assert proc.stdout.startswith("1 added")


def test_missing_paths_are_reported_and_the_rest_is_added(index, tmp_path):
    (tmp_path / "ok.txt").write_text("Present\n\nThis article is present and fine.")
    with Assistant.open(index) as a:
        report = a.add([tmp_path / "nope", tmp_path / "ok.txt"])
    assert [p.reason for p in report.rejected] == ["no such file or folder"] and len(report.added) == 1


