"""The ``cxstats`` command: analyses on survey files, and report rendering.

::

    cxstats sem MODEL DATA [--group G] [--estimator ML|MLR] [--missing listwise|fiml] [--out FILE]
                           [--ordered ITEMS|all [--estimator WLSMV|ULSMV|DWLS] [--parameterization delta|theta]]
    cxstats invariance MODEL DATA --group G [--estimator ML|MLR] [--missing listwise|fiml] [--out FILE]
                           [--ordered ITEMS|all [--estimator WLSMV|ULSMV|DWLS] [--parameterization delta|theta]]
    cxstats reliability DATA [--codebook C] [--constructs A,B] [--ordinal] [--out FILE]
    cxstats nps DATA COLUMN [--group G] [--min-base N] [--out FILE]
    cxstats drivers DATA --outcome Y --drivers X1,X2 [--bootstrap N --seed S] [--out FILE]
    cxstats render [NOTEBOOK|FOLDER ...] -o reports       (as python -m cxstats.report)

DATA is a file :func:`cxstats.read_survey` reads (CSV, TSV, Excel, SPSS, Parquet; its codebook
beside it as ``<stem>.codebook.yaml`` or given with ``--codebook``) or the name of a bundled
data set (:func:`cxstats.list_datasets`). Each analysis prints its plain summary and its main
table (codebook labels, readable numbers) and, with ``--out``, writes every table: an ``.xlsx``
workbook (:func:`cxstats.export`) or ``.csv`` files (the main table in FILE, the others beside
it as ``<stem>_<table>.csv``, full precision).

``--ordered`` treats the named items of MODEL (comma-separated, or ``all``) as ordered
categories (Likert answers): ``ordered=`` of :func:`cxstats.sem.fit` and
:func:`cxstats.sem.invariance` (WLSMV on polychoric correlations by default; ``--missing
pairwise`` is then also available; for invariance, the ladder of Wu & Estabrook, 2016).
``reliability --ordinal`` adds ordinal alpha and categorical omega (``ordinal=True``).

Bad input (a missing file or column, an unknown option value) ends with a one-line message
that names the argument and says what to do, and exit status 2; warnings about an estimate
are printed as ``warning:`` lines and also appear in the summary and the workbook.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ._format import listing
from ._validation import survey_parts

__all__ = ["main"]

COMMANDS = ("sem", "invariance", "reliability", "nps", "drivers", "render")
_ESTIMATORS = ("ML", "MLR", "WLSMV", "ULSMV", "DWLS")
_ORDINAL_ESTIMATORS = ("WLSMV", "ULSMV", "DWLS")
_RENDER_OPTIONS = ("-o", "--output", "--formats", "--no-execute", "--strict")


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``cxstats sem: error: ... Run 'cxstats sem --help'.``"""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        text = message[:1].upper() + message[1:]
        raise UsageError(f"{self.prog}: error: {text.rstrip('.')}. Run '{self.prog} --help' for the usage.")


# ------------------------------------------------------------------------------------ parsers
def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cxstats", description="Customer-experience statistics on survey files: structural equation models, "
        "measurement invariance, reliability, NPS and driver analysis; and rendering of the report suite.",
        epilog="DATA is a CSV/TSV/Excel/SPSS/Parquet file (its codebook beside it as <stem>.codebook.yaml, or "
        "--codebook) or a bundled data set: ecsi_mobile, corporate_reputation, customersat. "
        "Run 'cxstats COMMAND --help' for a command's options.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, help: str, description: str, examples: tuple[str, ...] = ()) -> argparse.ArgumentParser:
        epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples) if examples else None
        return commands.add_parser(name, help=help, description=description, epilog=epilog,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    def estimation_options(sub: argparse.ArgumentParser) -> None:  # the SEM commands: sem, invariance
        sub.add_argument("--estimator", choices=_ESTIMATORS, default=None,
                         help="ML, or MLR (robust SEs and scaled test for non-normal answers); default ML. With "
                         "--ordered: WLSMV (the default), ULSMV or DWLS")
        sub.add_argument("--missing", choices=("listwise", "fiml", "pairwise"), default="listwise",
                         help="drop incomplete rows (listwise, default) or use every answer (fiml); with --ordered, "
                         "listwise or pairwise (each correlation from the rows that answer both items)")
        sub.add_argument("--ordered", metavar="ITEMS", help="treat these items of MODEL as ordered categories "
                         "(Likert answers): comma-separated names, or 'all' for every item; fitted by WLSMV on "
                         "polychoric correlations")
        sub.add_argument("--parameterization", choices=("delta", "theta"), default=None,
                         help="with --ordered: delta (latent responses with variance 1, the default) or theta "
                         "(residual variances 1)")

    def data_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--codebook", metavar="FILE", help="the codebook YAML of DATA (default: <stem>.codebook.yaml "
                         "beside it; SPSS files also carry their own labels)")
        sub.add_argument("--out", metavar="FILE", help="write every table: FILE.xlsx (formatted workbook with a "
                         "Contents sheet) or FILE.csv (main table; the others beside it)")

    sem = add("sem", "fit a structural equation model (lavaan syntax)",
              "Fit a structural equation model or CFA written in lavaan syntax by maximum likelihood and print "
              "its plain summary, fit measures and parameters.",
              ("cxstats sem ecsi.lav ecsi_mobile --out results.xlsx",
               "cxstats sem 'SAT =~ q1 + q2 + q3' survey.sav --estimator MLR --missing fiml",
               "cxstats sem model.lav wave3.csv --codebook wave3.codebook.yaml --group country --out tables.csv"))
    sem.add_argument("model", metavar="MODEL", help="a file with the model in lavaan syntax, or the model itself "
                     "in quotes, e.g. 'SAT =~ q1 + q2 + q3'")
    sem.add_argument("data", metavar="DATA", help="survey file or bundled data set name")
    sem.add_argument("--group", metavar="G", help="column with groups: fit a multigroup model")
    estimation_options(sem)
    data_options(sem)

    inv = add("invariance", "test measurement invariance across groups",
              "Fit the invariance ladder (configural, metric, scalar, strict) across the groups of G, with a "
              "search for partial invariance where a level fails, and print what it means.",
              ("cxstats invariance 'QUAL =~ qual_1 + qual_2 + qual_3' corporate_reputation --group servicetype",
               "cxstats invariance measurement.lav survey.sav --group country --estimator MLR --out invariance.xlsx"))
    inv.add_argument("model", metavar="MODEL", help="a file with the measurement model in lavaan syntax, or the "
                     "model in quotes")
    inv.add_argument("data", metavar="DATA", help="survey file or bundled data set name")
    inv.add_argument("--group", metavar="G", required=True, help="column with the groups to compare")
    inv.add_argument("--search", choices=("test", "rules", "none"), default="test",
                     help="partial-invariance search where the chi-square difference test rejects a level (test, the "
                     "default), where the fit-change rules do (rules: for very large samples), or none")
    estimation_options(inv)
    data_options(inv)

    rel = add("reliability", "Cronbach's alpha, omega, CR and AVE of the codebook's concepts",
              "Reliability of each concept of the codebook (concepts with two or more questions): Cronbach's "
              "alpha with its interval, omega, composite reliability and AVE.",
              ("cxstats reliability ecsi_mobile",
               "cxstats reliability survey.csv --constructs SAT,LOY --out alpha.xlsx"))
    rel.add_argument("data", metavar="DATA", help="survey file (with a codebook) or bundled data set name")
    rel.add_argument("--constructs", metavar="A,B", help="comma-separated concepts (default: all)")
    rel.add_argument("--ordinal", action="store_true", help="also give ordinal alpha and categorical omega (the "
                     "answers as ordered categories: polychoric correlations)")
    data_options(rel)

    nps = add("nps", "Net Promoter Score, overall or per group",
              "Net Promoter Score of a 0-10 'would you recommend' question with its interval, overall or per "
              "group; groups below the minimum base are suppressed.",
              ("cxstats nps survey.csv recommend --group country --out nps.xlsx",))
    nps.add_argument("data", metavar="DATA", help="survey file or bundled data set name")
    nps.add_argument("column", metavar="COLUMN", help="the 0-10 recommendation question")
    nps.add_argument("--group", metavar="G", help="column with groups: one NPS per group")
    nps.add_argument("--min-base", metavar="N", type=int, default=30,
                     help="smallest group whose NPS is shown (default 30)")
    data_options(nps)

    drv = add("drivers", "driver analysis: regression and relative importance",
              "Regress an outcome on its drivers and split the explained variance among them (relative "
              "importance, LMG); --bootstrap adds intervals for the shares.",
              ("cxstats drivers customersat --outcome q1 --drivers q2,q5,q9",
               "cxstats drivers survey.csv --outcome SAT1 --drivers REL1,EMP1,VAL1 --bootstrap 1000 --seed 1 "
               "--out drivers.xlsx"))
    drv.add_argument("data", metavar="DATA", help="survey file or bundled data set name")
    drv.add_argument("--outcome", metavar="Y", required=True, help="the outcome column (e.g. overall satisfaction)")
    drv.add_argument("--drivers", metavar="X1,X2", required=True, help="comma-separated driver columns")
    drv.add_argument("--bootstrap", metavar="N", type=int, default=0,
                     help="bootstrap draws for intervals of the importance shares (default 0: none)")
    drv.add_argument("--seed", metavar="S", type=int, default=None, help="seed of the bootstrap")
    data_options(drv)

    add("render", "execute the notebooks and render the reports",
        "Execute notebooks and render HTML/PDF reports: cxstats render [NOTEBOOK|FOLDER ...] -o reports "
        "[--formats html,pdf] [--no-execute] [--strict]. Run 'cxstats render --help' for details.")
    return parser


# --------------------------------------------------------------------------------------- data
def _load(source: str, codebook: str | None, *, need_codebook: bool = False) -> Any:
    """DATA as a :class:`~cxstats.Survey` (data and codebook: the analyses take it whole, so its
    labels name concepts, items and groups), or a DataFrame when it has no codebook and the
    command can do without."""
    from .data import list_datasets, load_dataset, read_survey, read_table

    path = Path(source)
    if codebook is not None and not Path(codebook).is_file():
        raise UsageError(f"--codebook: file '{codebook}' not found. Give the path of the codebook YAML of DATA.")
    if not path.exists():
        if source in list_datasets():
            return load_dataset(source)
        raise UsageError(f"DATA: '{source}' is neither a file nor a bundled data set. Give the path of a CSV, Excel, "
                         f"SPSS or Parquet file, or one of {', '.join(list_datasets())}.")
    if path.is_dir():
        raise UsageError(f"DATA: '{source}' is a folder. Give the path of a CSV, Excel, SPSS or Parquet file.")
    beside = path.with_name(f"{path.stem}.codebook.yaml")
    has_codebook = codebook is not None or beside.exists() or path.suffix.lower() in (".sav", ".zsav")
    try:
        if not has_codebook:
            if need_codebook:
                raise UsageError(f"DATA: '{path.name}' has no codebook, which says which questions measure which "
                                 f"concept. Put '{beside.name}' beside it or pass --codebook FILE.yaml "
                                 "(format: data/README.md).")
            return read_table(path)
        return read_survey(path, codebook=codebook)
    except UsageError:
        raise
    except (ValueError, TypeError, OSError) as exc:
        raise UsageError(f"DATA: {_message(exc)}") from None


def _columns(data: pd.DataFrame, option: str, names: list[str]) -> None:
    missing = [n for n in names if n not in data.columns]
    if missing:
        shown = listing(data.columns, limit=30)  # "a, b, ... and 12 more"
        raise UsageError(f"{option}: column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
                         f"not in DATA. Choose from: {shown}.")


def _model(source: str) -> str:
    path = Path(source)
    if "~" not in source and path.suffix and not path.is_file():
        raise UsageError(f"MODEL: file '{source}' not found. Give a file with the model in lavaan syntax, or the "
                         "model itself in quotes ('SAT =~ q1 + q2 + q3').")
    if "~" not in source and path.is_file():
        return path.read_text(encoding="utf-8")
    if "~" not in source:
        raise UsageError(f"MODEL: '{source}' is neither a file nor lavaan syntax. Give a file with the model, or the "
                         "model itself in quotes ('SAT =~ q1 + q2 + q3').")
    return source


def _list(text: str | None, option: str) -> list[str]:
    items = [t.strip() for t in (text or "").split(",") if t.strip()]
    if not items:
        raise UsageError(f"{option}: give one or more comma-separated column names (e.g. {option} q2,q3).")
    return items


def _message(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(text.split())


# ------------------------------------------------------------------------------------ commands
def _sem(args):
    from . import formatting as fmt
    from . import sem

    model, survey, codebook = _model_and_survey(args, check_group=bool(args.group))
    result = sem.fit(model, survey, group=args.group, missing=args.missing, **_ordinal_options(args, model, survey))
    shown = ["group"] * bool(result.groups) + ["kind", "parameter", "estimate", "se", "p_value", "ci", "std_all"]
    table = fmt.table(result.table, columns=shown, labels=result, digits=3)  # its labels name the groups too
    fit = fmt.fit_measures(result.headline_fit, ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"))
    return {"SEM": result}, codebook, [("Fit measures", fit), ("Parameters", table)]


def _model_and_survey(args, *, check_group: bool):
    """MODEL, DATA and --group of the SEM commands, checked before fitting: the model text
    (it parses), the survey and its codebook; with ``check_group``, --group must be a column."""
    from . import sem

    model = _model(args.model)
    survey = _load(args.data, args.codebook)
    data, codebook = survey_parts(survey)
    if check_group:
        _columns(data, "--group", [args.group])
    try:
        sem.parse_model(model)
    except ValueError as exc:
        raise UsageError(f"MODEL: {str(exc).splitlines()[0]}") from None  # without the caret under the line
    return model, survey, codebook


def _ordinal_options(args, model: str, survey) -> dict:
    """--ordered, --estimator and --parameterization of the SEM commands, checked together:
    ``ordered``, ``estimator`` and ``parameterization`` for sem.fit / sem.invariance."""
    from . import sem

    if args.ordered is None:
        if args.estimator in _ORDINAL_ESTIMATORS:
            raise UsageError(f"--estimator: {args.estimator} is for ordered items. Name them with --ordered ITEMS "
                             "(or --ordered all), or use ML or MLR.")
        if args.parameterization is not None:
            raise UsageError(f"--parameterization: {args.parameterization} applies to ordered items only. Name "
                             "them with --ordered ITEMS (or --ordered all), or drop --parameterization.")
        if args.missing == "pairwise":
            raise UsageError("--missing: pairwise is available with --ordered only. Use listwise or fiml, or name "
                             "the ordered items with --ordered ITEMS.")
        return {"estimator": args.estimator or "ML"}
    if args.estimator in ("ML", "MLR"):
        raise UsageError(f"--estimator: {args.estimator} treats the items as numbers, but --ordered declares them "
                         "ordered categories. Use WLSMV (the default with --ordered), ULSMV or DWLS, or drop "
                         "--ordered.")
    if args.missing == "fiml":
        raise UsageError("--missing: fiml is not available with --ordered. Use listwise or pairwise (each "
                         "correlation from the rows that answer both items).")
    options = {"estimator": args.estimator, "parameterization": args.parameterization or "delta"}
    if args.ordered.strip().lower() == "all":
        return {**options, "ordered": True}
    names = _list(args.ordered, "--ordered")
    data, _ = survey_parts(survey)
    _columns(data, "--ordered", names)
    statements = sem.parse_model(model)
    latent = {s.lhs for s in statements if s.op == "=~"}
    variables = list(dict.fromkeys(name for s in statements if s.op in ("=~", "~", "~~")
                                   for name in (s.lhs, *(t.name for t in s.terms)) if name not in latent))
    outside = [n for n in names if n not in variables]
    if outside:
        raise UsageError(f"--ordered: {', '.join(map(repr, outside))} {'is' if len(outside) == 1 else 'are'} not in "
                         f"MODEL. Name items of the model ({', '.join(variables)}), or give 'all'.")
    return {**options, "ordered": names}


def _invariance(args):
    from . import formatting as fmt
    from . import sem

    model, survey, codebook = _model_and_survey(args, check_group=True)
    result = sem.invariance(model, survey, group=args.group, missing=args.missing,
                            partial={"test": True, "rules": "rules", "none": False}[args.search],
                            **_ordinal_options(args, model, survey))
    ladder, against = result.table, []
    if result.ordered:  # a level that adds nothing testable (equal thresholds of binary items) says so
        ladder = ladder.assign(holds=ladder["holds"].map({True: "yes", False: "no"}).where(
            ladder["lrt"] != "equivalent", "not testable"))
        against = ["compared_with"]
    table = fmt.table(ladder, columns=["level", "chisq", "df", "chisq_diff", "df_diff", "p_value", "cfi",
                                       "delta_cfi", "rmsea", "delta_rmsea", "holds", *against],
                      labels=codebook, digits={"cfi": 3, "delta_cfi": 3, "rmsea": 3, "delta_rmsea": 3},
                      integers=["df", "df_diff"],
                      rename={"chisq_diff": "Δχ²", "df_diff": "Δdf", "delta_cfi": "ΔCFI", "delta_rmsea": "ΔRMSEA",
                              "level": "Level", "chisq": "χ²", "holds": "Holds", "compared_with": "Tested against"})
    return {"Invariance": result}, codebook, [("Invariance ladder", table)]


def _reliability(args):
    from . import formatting as fmt
    from .reliability import reliability

    survey = _load(args.data, args.codebook, need_codebook=True)
    codebook = survey.codebook
    constructs = _list(args.constructs, "--constructs") if args.constructs is not None else None
    if constructs is not None:
        known = set(codebook.blocks())
        unknown = [c for c in constructs if c not in known]
        if unknown:
            raise UsageError(f"--constructs: {', '.join(map(repr, unknown))} not in the codebook. Choose from: "
                             f"{', '.join(known)}.")
    result = reliability(survey, constructs=constructs, ordinal=args.ordinal)
    ordinal = ["alpha_ordinal", "omega_ordinal"] if args.ordinal else []
    table = fmt.table(result.table, columns=["construct", "n_items", "n", "alpha", "alpha_ci", *ordinal, "omega", "cr",
                                             "ave"],
                      labels=result, rename={"n_items": "Questions", "alpha_ordinal": "Ordinal α",
                                             "omega_ordinal": "Categorical ω"})
    return {"Reliability": result}, codebook, [("Reliability", table)]


def _nps(args):
    from . import formatting as fmt
    from .nps import nps

    survey = _load(args.data, args.codebook)
    data, codebook = survey_parts(survey)
    _columns(data, "COLUMN", [args.column])
    if args.group:
        _columns(data, "--group", [args.group])
    if args.min_base < 1:
        raise UsageError(f"--min-base: {args.min_base} is not a base size. Give a whole number of 1 or more "
                         "(default 30).")
    result = nps(survey, args.column, group=args.group, min_base=args.min_base)
    table = fmt.table(result.table, columns=["group", "n", "pct_promoters", "pct_passives", "pct_detractors", "nps",
                                             "ci", "suppressed"], labels=result, digits=1)
    return {"NPS": result}, codebook, [("Net Promoter Score", table)]


def _drivers(args):
    from . import formatting as fmt
    from ._export import plain_text
    from .drivers import driver_regression, relative_importance

    survey = _load(args.data, args.codebook)
    data, codebook = survey_parts(survey)
    drivers = _list(args.drivers, "--drivers")
    _columns(data, "--outcome", [args.outcome])
    _columns(data, "--drivers", drivers)
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap: {args.bootstrap} draws is not possible. Give 0 (no intervals) or a number "
                         "of draws such as 1000.")
    regression = driver_regression(survey, args.outcome, drivers)
    importance = relative_importance(survey, args.outcome, drivers, bootstrap=args.bootstrap, seed=args.seed,
                                     progress=False)
    merged = regression.table.merge(importance.table[["term", "share", "rank"]], on="term", how="left")
    merged = merged[merged["term"] != "(Intercept)"].sort_values("rank")
    table = fmt.table(merged, columns=["term", "estimate", "ci", "p_value", "std_beta", "share", "vif"],
                      labels=codebook, rename={"share": "Share of R² (%)"}, digits={"share": 1})
    labels = fmt.labels_of(codebook)
    outcome = labels.get(args.outcome, args.outcome)
    summary = [line.replace("the outcome", outcome) for line in plain_text(importance, labels).splitlines()]
    summary += plain_text(regression, labels).splitlines()[1:]  # its first line repeats the R²
    return {"Relative importance": importance, "Driver regression": regression}, codebook, [
        (f"Drivers of {outcome}", table)], "\n".join(summary)


# ---------------------------------------------------------------------------------------- output
def _write(out: str, results: dict, codebook: Any) -> list[Path]:
    from ._export import export

    path = Path(out)
    if path.suffix.lower() == ".xlsx":
        return [export(results, path, labels=codebook)]
    written = []
    path.parent.mkdir(parents=True, exist_ok=True)
    for name, result in results.items():
        for title, table in result._tables().items():
            frame = table.frame if isinstance(table.frame.index, pd.RangeIndex) else table.frame.reset_index()
            parts = [name] * (len(results) > 1) + [title]
            target = path if not written else path.with_name(f"{path.stem}_{'_'.join(map(_slug, parts))}.csv")
            frame.to_csv(target, index=False)
            written.append(target)
    return written


def _slug(text: str) -> str:
    text = text.replace("²", "2").replace("χ", "chi")
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()


def _check_out(out: str | None) -> None:
    if out is not None and Path(out).suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError(f"--out: '{out}' is neither .xlsx nor .csv. Give a file name ending in .xlsx (a formatted "
                         "workbook) or .csv.")


def _run(args) -> int:
    from ._export import plain_text

    _check_out(args.out)
    command = {"sem": _sem, "invariance": _invariance, "reliability": _reliability, "nps": _nps,
               "drivers": _drivers}[args.command]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results, codebook, tables, *summary = command(args)
    for warning in caught:
        print(f"warning: {warning.category.__name__}: {warning.message}", file=sys.stderr)
    from .formatting import labels_of

    labels = labels_of(codebook)
    texts = summary or [plain_text(result, labels) for result in results.values()]
    print("\n".join(t for t in texts if t))
    for title, table in tables:
        print(f"\n{title}\n{table.to_string(index=False)}")
    if args.out:
        written = _write(args.out, results, codebook)
        print("\nWrote " + ", ".join(str(p) for p in written))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``cxstats`` command line; returns the exit status (0 ok, 1 a report failed, 2 bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and (argv[0] == "render" or argv[0].endswith(".ipynb") or argv[0] in _RENDER_OPTIONS
                 or (argv[0] not in COMMANDS and not argv[0].startswith("-") and Path(argv[0]).is_dir())):
        from .report.__main__ import main as render  # the render command keeps its own options

        return render(argv)
    parser = _parser()
    command = argv[0] if argv and argv[0] in COMMANDS else "cxstats"
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError(f"cxstats: error: Choose a command: {', '.join(COMMANDS)}. Run 'cxstats --help' for "
                             "what each does.")
        return _run(args)
    except UsageError as exc:
        print(str(exc) if str(exc).startswith("cxstats") else f"cxstats {command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the output was piped into a program that stopped reading (head)
        return 0
    except (ValueError, TypeError, KeyError, OSError) as exc:  # CxStatsError is a ValueError
        print(f"cxstats {command}: error: {_message(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
