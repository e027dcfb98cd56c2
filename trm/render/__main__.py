"""Command line: turn a solve into talk material.

    python -m trm.render --checkpoint checkpoints/sudoku9-mlp --puzzle 8000000000036000000700902... \
        [--steps N] [--views K] [--noise S] [--threshold 0.5] [--gif F.gif] [--mp4 F.mp4] [--html F.html] [--png DIR] \
        [--trace-out F.json] [--seconds-per-step 0.6] [--theme light|dark] [--start STEP] [--force]
    python -m trm.render --trace saved_trace.json --html F.html      # from a trace saved by the app, no model

The solve is traced once (a progress bar per step), then drawn in every format asked for: an animated GIF, an
MP4 (with ``pip install imageio-ffmpeg``), a self-contained HTML player that works offline, and one PNG per step.
With --views K the puzzle runs as K views in one batch and the pictures follow the puzzle itself (view 0).
An existing file is replaced only if this command wrote it (or with --force).
"""

import argparse
import json
import sys
from pathlib import Path

import trm.cli_types as cli_types
from trm.checkpoint import load_model
from trm.errors import ConfigError, TRMError
from trm.progress_bars import progress_bar
from trm.render.animation import is_step_picture, write_gif, write_mp4, write_pngs
from trm.render.html_player import describe_maker, write_html
from trm.render.own_files import written_by_render
from trm.sudoku import parse_puzzle, shape_for_size, solve
from trm.trace import finish_trace, iter_trace, read_trace_file, trace_to_dict
from trm.trace.records import Trace

MAX_STEPS, MAX_VIEWS = 1024, 64  # every step of every view is drawn: beyond these a render takes hours


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trm.render", description="Render a solve as GIF, MP4, HTML, PNG.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="checkpoint folder to solve with (needs --puzzle)")
    source.add_argument("--trace", help="a trace JSON saved by the app or by --trace-out: drawn without a model")
    parser.add_argument("--puzzle", help="the puzzle: 16, 36 or 81 digits, 0 or . for blanks")
    parser.add_argument("--steps", type=cli_types.positive_int,
                        help=f"supervision steps (default: the model's; at most {MAX_STEPS})")
    parser.add_argument("--views", type=cli_types.positive_int, default=1,
                        help=f"solve as K views in one batch (at most {MAX_VIEWS})")
    parser.add_argument("--noise", type=cli_types.non_negative_float, default=0.0,
                        help="std of noise on every view's initial y and z but the puzzle's own (with --views)")
    parser.add_argument("--seed", type=cli_types.seed, default=0, help="seed of the views' symmetries and noise")
    parser.add_argument("--threshold", type=cli_types.probability, default=0.5, help="P(halt) at which it halts")
    parser.add_argument("--gif", help="write an animated GIF here")
    parser.add_argument("--mp4", help="write an MP4 here (needs pip install imageio-ffmpeg)")
    parser.add_argument("--html", help="write a self-contained interactive HTML player here")
    parser.add_argument("--png", metavar="DIR", help="write one PNG per step into this folder")
    parser.add_argument("--trace-out", help="also save the trace as JSON (the app and --trace read it)")
    parser.add_argument("--seconds-per-step", type=cli_types.positive_float, default=0.6,
                        help="animation speed of the GIF and MP4")
    parser.add_argument("--theme", choices=["light", "dark"], default="light", help="colours of GIF, MP4 and PNG")
    parser.add_argument("--start", type=cli_types.positive_int, default=1, help="the step the HTML player opens on")
    # one solve: compiling it for a GPU would take longer than solving it on the CPU
    parser.add_argument("--device", type=cli_types.device, default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--force", action="store_true",
                        help="replace existing files at the output paths that this command did not write")
    args = parser.parse_args(argv)
    if not any((args.gif, args.mp4, args.html, args.png, args.trace_out)):
        parser.error("nothing to write: give at least one of --gif, --mp4, --html, --png, --trace-out")
    if args.checkpoint and not args.puzzle:
        parser.error("--checkpoint needs --puzzle")
    if args.trace and (args.puzzle or args.steps or args.views > 1 or args.noise):
        parser.error("--trace replays a saved solve: --puzzle, --steps, --views and --noise need --checkpoint")
    if args.noise and args.views == 1:
        parser.error("--noise goes on every view but the puzzle's own: give --views K (2 or more) too")
    if (args.steps or 0) > MAX_STEPS or args.views > MAX_VIEWS:
        parser.error(f"at most {MAX_STEPS} steps and {MAX_VIEWS} views: every step of every view is drawn")
    _check_outputs(parser, args)
    return args


def _check_outputs(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse a wrong extension, a missing folder or somebody else's file before the solve, not after it (and never
    leave an empty file behind)."""
    endings = {"gif": (".gif",), "mp4": (".mp4",), "html": (".html", ".htm"), "trace_out": (".json",)}
    for name, allowed in endings.items():
        path = getattr(args, name)
        if path is None:
            continue
        flag = "--" + name.replace("_", "-")
        if Path(path).suffix.lower() not in allowed:
            parser.error(f"{flag} {path}: the file name must end in {' or '.join(allowed)}")
        problem = cli_types.output_file_problem(flag, path, force=args.force, inputs=(args.trace, args.checkpoint),
                                                is_own=written_by_render)
        if problem:
            parser.error(problem)
    if args.png and Path(args.png).exists() and not Path(args.png).is_dir():
        parser.error(f"--png {args.png}: that is a file; give a folder (made if missing)")
    if args.png and Path(args.png).is_dir() and not args.force:
        outputs = {Path(getattr(args, name)).resolve() for name in ("gif", "mp4", "html", "trace_out")
                   if getattr(args, name)}
        foreign = sorted(path.name for path in Path(args.png).iterdir()
                         if not (is_step_picture(path.name) and written_by_render(path))
                         and not path.name.startswith(".") and path.resolve() not in outputs)
        if foreign:
            parser.error(f"--png {args.png} holds other files ({', '.join(foreign[:3])}"
                         f"{', ...' if len(foreign) > 3 else ''}): give a new or empty folder, or one that only "
                         "holds this command's pictures (or pass --force)")
    targets = [(f"--{name.replace('_', '-')}", Path(getattr(args, name)).resolve())
               for name in ("gif", "mp4", "html", "png", "trace_out") if getattr(args, name)]
    for index, (flag, path) in enumerate(targets):
        for other_flag, other in targets[index + 1:]:
            if path == other:  # the second write would fail after the first, or replace it
                parser.error(f"{flag} and {other_flag} name the same path {path}: give each output its own")


def _solve(args: argparse.Namespace) -> tuple[Trace, str]:
    loaded = load_model(args.checkpoint, args.device)
    size = loaded.config.grid_size
    puzzle = parse_puzzle(args.puzzle, size)
    if len(puzzle) != shape_for_size(size).cells:
        raise ConfigError(f"the model solves {size}x{size} puzzles; --puzzle has {len(puzzle)} cells.")
    found = solve(puzzle, shape_for_size(size))
    solution = found.solutions[0] if found.count == 1 else None  # no unique solution: nothing to mark wrong
    steps = args.steps or loaded.config.max_supervision_steps
    records = [record for record in progress_bar(iter_trace(loaded.model, puzzle, solution, steps, keep_states=False,
                                                    views=args.views, seed=args.seed, noise=args.noise),
                                         total=steps, desc="solving", unit="step")]
    trace = finish_trace(size, puzzle, solution, records, args.threshold, with_pca=False, seed=args.seed,
                         noise=args.noise)
    trace.made_by = {"model": Path(args.checkpoint).name, "steps": steps, "views": args.views, "seed": args.seed,
                     "noise": args.noise, "made_with": "python -m trm.render"}
    return trace, describe_maker(trace)


def _write(trace: Trace, note: str, args: argparse.Namespace) -> list[str]:
    written = []
    bar = None

    def progress(step: int) -> None:
        bar.update(1)

    for flag, writer in (("gif", write_gif), ("mp4", write_mp4)):
        if getattr(args, flag):
            with progress_bar(total=len(trace.steps), desc=f"drawing {flag.upper()}", unit="step") as bar:
                written.append(str(writer(trace, Path(getattr(args, flag)), args.seconds_per_step, args.theme,
                                          progress)))
    if args.png:
        with progress_bar(total=len(trace.steps), desc="drawing PNGs", unit="step") as bar:
            written += [str(path) for path in write_pngs(trace, Path(args.png), args.theme, progress)]
    if args.html:
        if args.start > len(trace.steps):
            print(f"note: --start {args.start} is past the last step; the player opens on step {len(trace.steps)}",
                  file=sys.stderr)
        written.append(str(write_html(trace, Path(args.html), note=note, start=min(args.start, len(trace.steps)))))
    if args.trace_out:
        Path(args.trace_out).write_text(json.dumps(trace_to_dict(trace)))
        written.append(args.trace_out)
    return written


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    try:
        trace = _solve(args)[0] if args.checkpoint else read_trace_file(Path(args.trace))
        note = describe_maker(trace) or Path(args.trace).name
        written = _write(trace, note, args)
    except (TRMError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    pngs = [path for path in written if path.endswith(".png")]
    folder = str(Path(args.png)) if args.png else ""  # frames/ and frames name the same folder
    listed = [path for path in written if not path.endswith(".png")] + (pngs if len(pngs) <= 8 else
                                                                          [f"{folder}/ ({len(pngs)} PNG files)"])
    print(json.dumps({"written": listed}))
    return 0


if __name__ == "__main__":
    sys.exit(cli_types.run_command(main))
