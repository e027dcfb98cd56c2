"""Talk material from a solve: GIF, MP4, PNGs and an offline HTML player, from a model or from a saved trace; bad
input is a clear error."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trm import load_model
from trm.errors import DataError
from trm.render import completion_verdict, player_data, render_frame
from trm.render.__main__ import main as render_main
from trm.render.html_player import render_html
from trm.render.own_files import HTML_MARK, written_by_render
from trm.sudoku import parse_puzzle, shape_for_size, solve
from trm.trace import read_trace_file, run_trace, trace_to_dict

REPO = Path(__file__).resolve().parents[1]
SUDOKU4 = str(REPO / "checkpoints" / "sudoku4")
PUZZLE_4X4 = "0000300204100000"


@pytest.fixture(scope="module")
def trace():
    model = load_model(SUDOKU4, "cpu").model
    puzzle = parse_puzzle(PUZZLE_4X4, 4)
    return run_trace(model, puzzle, solve(puzzle, shape_for_size(4)).solutions[0], steps=6, with_pca=False)


def test_every_format_is_written_from_one_solve_and_the_trace_renders_again_without_the_model(tmp_path, capsys):
    files = {"gif": tmp_path / "a.gif", "mp4": tmp_path / "a.mp4", "html": tmp_path / "a.html",
             "png": tmp_path / "png", "trace-out": tmp_path / "t.json"}
    args = ["--checkpoint", SUDOKU4, "--puzzle", PUZZLE_4X4, "--steps", "6", "--views", "3"]
    assert render_main(args + [part for key, path in files.items() for part in (f"--{key}", str(path))]) == 0
    assert len(json.loads(capsys.readouterr().out)["written"]) == 4 + 6 + 1  # every file, up to 8 PNGs
    with Image.open(files["gif"]) as gif:
        assert gif.n_frames == 6 and gif.info["loop"] == 0
    assert files["mp4"].read_bytes()[4:8] == b"ftyp"  # an ISO media file
    assert sorted(p.name for p in files["png"].iterdir()) == ["charts.png"] + [f"step_00{i}.png" for i in range(1, 7)]
    page = files["html"].read_text()
    assert "sudoku4, 6 supervision steps, 3 views" in page and "http" not in page.split("<script")[0].lower()
    assert "src=" not in page and "<link" not in page  # nothing to fetch: it plays offline
    saved = read_trace_file(files["trace-out"])
    assert len(saved.steps) == 6 and saved.views is not None and saved.views.count == 3
    assert render_main(["--trace", str(files["trace-out"]), "--html", str(tmp_path / "b.html")]) == 0
    embedded = player_data(saved)
    assert embedded["steps"][-1]["d"] == saved.steps[-1].prediction.tolist()


def test_pictures_drawn_again_into_their_folder_replace_the_earlier_ones(tmp_path, capsys):
    folder = tmp_path / "talk"
    folder.mkdir()
    args = ["--checkpoint", SUDOKU4, "--puzzle", PUZZLE_4X4, "--png", str(folder), "--gif", str(folder / "a.gif")]
    assert render_main([*args, "--steps", "6"]) == 0
    (folder / ".DS_Store").write_bytes(b"finder")  # what a file browser leaves is no one's work
    assert render_main([*args, "--steps", "2"]) == 0  # the same command again, with its own GIF in the folder
    assert sorted(p.name for p in folder.iterdir()) == [".DS_Store", "a.gif", "charts.png", "step_001.png",
                                                         "step_002.png"]  # no stale steps 3-6 of the longer solve
    capsys.readouterr()
    args[5] = str(folder) + "/"
    assert render_main([*args, "--steps", "9"]) == 0  # more pictures than it lists
    assert f'"{folder}/ (10 PNG files)"' in capsys.readouterr().out  # one slash, however the folder was written


def test_pictures_named_like_its_own_but_not_drawn_by_it_are_kept(tmp_path, capsys):
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "step_007.png").write_bytes(b"the user's own slide")
    (folder / "charts.png").write_text("notes")
    args = ["--checkpoint", SUDOKU4, "--puzzle", PUZZLE_4X4, "--steps", "2", "--png", str(folder)]
    with pytest.raises(SystemExit):
        render_main(args)
    assert "holds other files (charts.png, step_007.png)" in capsys.readouterr().err
    assert (folder / "charts.png").read_text() == "notes"
    assert render_main([*args, "--force"]) == 0  # told to: its pictures replace the same names, nothing goes
    assert (folder / "step_007.png").read_bytes() == b"the user's own slide"
    assert written_by_render(folder / "charts.png") and written_by_render(folder / "step_001.png")


def test_files_it_wrote_are_replaced_and_anyone_elses_only_with_force(tmp_path, capsys):
    files = {"--gif": tmp_path / "a.gif", "--mp4": tmp_path / "a.mp4", "--html": tmp_path / "a.htm",
             "--trace-out": tmp_path / "t.json"}
    outputs = [part for flag, path in files.items() for part in (flag, str(path))]
    args = ["--checkpoint", SUDOKU4, "--puzzle", PUZZLE_4X4, "--steps", "2"]
    assert render_main(args + outputs) == 0
    assert all(written_by_render(path) for path in files.values())
    assert render_main(args + ["--steps", "3"] + outputs) == 0  # its own files: drawn again without a question
    assert read_trace_file(files["--trace-out"]).steps[-1].step == 3
    for flag, path in files.items():  # somebody's file of the same kind, under the name given
        theirs = path.with_name("theirs" + path.suffix)
        theirs.write_bytes(b"GIF89a their own" if flag == "--gif" else b'{"format": "their own"}')
        with pytest.raises(SystemExit):
            render_main(args + [flag, str(theirs)])
        assert "already exists and is not a file this command wrote" in capsys.readouterr().err
        assert b"their own" in theirs.read_bytes()  # untouched
        assert render_main(args + [flag, str(theirs), "--force"]) == 0 and written_by_render(theirs)
    with pytest.raises(SystemExit):  # a saved trace drawn again must not be written over by its own replay
        render_main(["--trace", str(files["--trace-out"]), "--trace-out", str(files["--trace-out"])])
    assert "also this command's input" in capsys.readouterr().err


def test_the_html_player_carries_the_mark_that_says_who_wrote_it(trace):
    assert HTML_MARK in render_html(trace).split("</head>")[0]


def test_a_frame_shows_the_grid_in_either_theme(trace):
    light, dark = render_frame(trace, 1), render_frame(trace, 1, theme="dark")
    assert light.size == dark.size and light.getpixel((2, 2)) == (255, 255, 255) != dark.getpixel((2, 2))
    data = player_data(trace)
    assert data["size"] == 4 and data["blanks"] == 12 and len(data["steps"]) == 6
    assert all(0 <= c <= 100 for step in data["steps"] for c in step["c"])


@pytest.mark.parametrize("content, message", [
    ("{\"format\": \"something else\"}", "not a TRM Studio trace"),
    ("{\"format\": \"trm-studio/trace\", \"grid_size\": 4}", "damaged trace"),
    ("[1, 2]", "it is not a JSON object"),
    ("# TRM Studio\n\nA README, not a trace.\n", "is not valid JSON"),  # not called corrupt: it is another file
    ("{\"format\": \"trm-studio/trace\", \"grid_size\": 7, \"puzzle\": [], \"steps\": []}", "damaged trace")])
def test_a_bad_trace_file_is_a_clear_error(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        read_trace_file(path)
    assert render_main(["--trace", str(path), "--html", str(tmp_path / "x.html")]) == 2
    assert message in capsys.readouterr().err


def test_bad_arguments_are_refused_with_a_reason(tmp_path, capsys):
    with pytest.raises(SystemExit):
        render_main(["--checkpoint", SUDOKU4, "--puzzle", PUZZLE_4X4])  # nothing to write
    with pytest.raises(SystemExit):
        render_main(["--checkpoint", SUDOKU4, "--html", "x.html"])  # no puzzle
    assert render_main(["--checkpoint", SUDOKU4, "--puzzle", "123", "--html", str(tmp_path / "x.html")]) == 2
    assert "expected 16" in capsys.readouterr().err
    (tmp_path / "x.html").write_text("a file, not a folder")
    for wrong, message in ((["--mp4", str(tmp_path / "x.gif")], "must end in .mp4"),
                           (["--gif", str(tmp_path / "no" / "x.gif")], "is not a folder that exists"),
                           (["--png", str(tmp_path / "x.html")], "that is a file"),
                           (["--png", str(tmp_path)], "holds other files (x.html"),
                           (["--gif", str(tmp_path / "x.gif"), "--png", str(tmp_path / "x.gif")], "the same path")):
        with pytest.raises(SystemExit):
            render_main(["--checkpoint", SUDOKU4, "--puzzle", PUZZLE_4X4, *wrong])
        assert message in capsys.readouterr().err
    assert not (tmp_path / "x.gif").exists()  # nothing written before the check
    for wrong, message in ((["--steps", "5000"], "at most 1024 steps"), (["--views", "100"], "64 views"),
                           (["--noise", "0.3"], "give --views K")):
        with pytest.raises(SystemExit):
            render_main(["--checkpoint", SUDOKU4, "--puzzle", PUZZLE_4X4, "--html", str(tmp_path / "y.html"), *wrong])
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        render_main(["--trace", str(tmp_path / "t.json"), "--puzzle", PUZZLE_4X4, "--html", str(tmp_path / "y.html")])
    assert "need --checkpoint" in capsys.readouterr().err


def test_the_saved_trace_round_trips(trace, tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(trace_to_dict(trace)))
    again = read_trace_file(path)
    assert [s.prediction.tolist() for s in again.steps] == [s.prediction.tolist() for s in trace.steps]


def test_without_a_single_solution_the_player_marks_only_repeated_digits(trace):
    from dataclasses import replace

    solution = trace.solution.copy()
    repeat = solution.copy()
    repeat[1] = repeat[0]  # r1c1's 4 also in r1c2: repeated in row 1, box 1, and column 2 with the given r3c2
    gap = solution.copy()
    gap[0] = 0
    steps = [replace(record, prediction=grid.astype(np.int8), correct=None)
             for record, grid in zip(trace.steps, [repeat, gap, solution])]
    data = player_data(replace(trace, solution=None, steps=steps))
    assert data["judged"] is False and player_data(trace)["judged"] is True
    marked = [[i for i, w in enumerate(step["w"]) if w] for step in data["steps"]]
    assert marked == [[0, 1, 9], [], []]  # every cell of a repeat, the given r3c2 too
    assert [(step["v"], step["full"], step["r"]) for step in data["steps"]] == [(3, True, None), (0, False, None),
                                                                                (0, True, None)]
    unjudged = replace(trace, solution=None, steps=steps)
    verdicts = [completion_verdict(unjudged, step) for step in steps]
    assert verdicts[0].endswith("not a valid completion: 3 repeats of a digit in a row, column or box.")
    assert verdicts[1].endswith("not a valid completion: blanks left empty.")
    assert verdicts[2].endswith("the answer there is one valid completion.")
    corner = (28 + 3, 64 + 56 - 3)  # the bottom-left corner of r1c1 in a frame at the default cell size
    frame = render_frame(replace(trace, solution=None, steps=steps), 1)
    assert frame.getpixel(corner) == (198, 40, 40)  # the wrong-digit red
    assert frame.getpixel((corner[0] + 2 * 56, corner[1])) != (198, 40, 40)  # r1c3 repeats nothing
