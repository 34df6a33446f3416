"""Command line: ``cxstats render [NOTEBOOK|FOLDER ...] -o reports [--strict]``.

A notebook that fails is reported (in plain words, no traceback) and the others are still
rendered; the exit status is 1 when any failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._execute import RenderError
from ._render import FORMATS, render_suite


def _notebooks(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.glob("*.ipynb") if not p.name.startswith("_"))
        elif path.suffix == ".ipynb" and path.exists():
            found.append(path)
        else:
            raise RenderError(f"'{raw}' is neither a notebook (.ipynb) nor a folder of notebooks.")
    if not found:
        raise RenderError(f"No notebooks found in {', '.join(paths)}.")
    return found


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "render":
        argv = argv[1:]
    parser = argparse.ArgumentParser(prog="cxstats render", description="Execute notebooks and render HTML/PDF reports.")
    parser.add_argument("paths", nargs="*", default=["notebooks"], help="notebooks or folders (default: notebooks)")
    parser.add_argument("-o", "--output", default="reports", help="folder for the reports (default: reports)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: html,pdf")
    parser.add_argument("--no-execute", action="store_true", help="render the stored outputs without running")
    parser.add_argument("--strict", action="store_true",
                        help="fail a report that the report checks find problems in (hand-typed numbers, ...)")
    args = parser.parse_args(argv)
    try:
        notebooks = _notebooks(args.paths)
        reports = render_suite(notebooks, args.output, formats=args.formats.split(","),
                               execute=not args.no_execute, strict=args.strict)
    except (RenderError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for report in reports:
        if report.error is not None:
            print(f"{report.notebook.name}: FAILED\n  {report.error}", file=sys.stderr)
            continue
        names = ", ".join(str(f) for f in report.files)
        print(f"{report.notebook.name}: {names} ({report.seconds:.1f} s)")
        for problem in report.problems:
            print(f"  check: {problem}")
    failed = [r.notebook.name for r in reports if r.error is not None]
    if failed:
        print(f"error: {len(failed)} of {len(reports)} notebooks failed ({', '.join(failed)}); the index lists "
              "them as missing.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
