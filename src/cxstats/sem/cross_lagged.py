"""Cross-lagged panel models: lavaan syntax for the CLPM and the RI-CLPM, and their lagged effects.

The builders write lavaan syntax for :func:`cxstats.sem.fit` (and for lavaan itself) that
follows the conventions of the RI-CLPM tutorial of Mulder & Hamaker (2021):

- a **random intercept** per construct, ``RI_QUAL =~ 1*QUAL1 + 1*QUAL2 + ...`` (the
  customer's stable level, loadings fixed at 1; RI-CLPM only);
- a **within-person component** per construct and wave, ``wQUAL1 =~ 1*QUAL1`` (the wave's
  deviation from that stable level), with the observed variable's residual variance
  fixed at 0 (``QUAL1 ~~ 0*QUAL1``), so that each score is its wave mean (a free
  intercept, ``QUAL1 ~ 1``) + the random intercept + the within component;
- **lagged regressions** of each wave's within components on the previous wave's, free
  per wave or (``equal_lags=True``) equal across waves through shared labels;
- **covariances** of the within components at wave 1, of their residuals at the same
  later wave, and of the random intercepts; the random intercepts are uncorrelated with
  the wave-1 within components (written out as ``RI_QUAL ~~ 0*wLOY1``).

Every parameter is written out (variances, covariances and the zeros), so the same
syntax gives the same model with lavaan's ``lavaan()`` (the tutorial's call, with
``meanstructure = TRUE, int.ov.free = TRUE``), lavaan's ``sem()`` and
:func:`cxstats.sem.fit`, which applies ``sem()``'s defaults. The CLPM is the same model
without the random intercepts: its lagged effects mix stable differences between
customers with changes within a customer (Hamaker, Kuiper & Grasman, 2015).

Names: random intercepts ``RI_<construct>``, within components ``w<construct><wave>``;
with ``equal_lags=True`` the labels ``ar_<construct>`` (autoregression) and
``cl_<predictor>_<outcome>`` (cross-lagged). :func:`cross_lagged_effects` reads the
fitted lagged paths back by these names.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._format import every, problems_html
from .._results import Exportable, PlainText
from ._problems import ModelSpecificationError
from .result import SEMResult

__all__ = ["CrossLaggedEffects", "clpm_syntax", "cross_lagged_effects", "cross_lagged_syntax", "riclpm_syntax"]

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_WITHIN = re.compile(r"^w(?P<construct>.*[^0-9])(?P<wave>[0-9]+)$")
_COLUMNS = ["kind", "predictor", "outcome", "from_wave", "to_wave", "lhs", "op", "rhs", "label", "estimate", "se",
            "z", "p_value", "ci_low", "ci_high", "std_all"]


def cross_lagged_syntax(variables: Sequence[str] | Mapping[str, Sequence[str]], waves: int | None = None, *,
                        random_intercepts: bool = True, equal_lags: bool = False) -> str:
    """lavaan syntax of a cross-lagged panel model (RI-CLPM by default, or the CLPM).

    Parameters
    ----------
    variables : the constructs measured at every wave, either as codes with ``waves``
        (``["QUAL", "LOY"], waves=4`` means the columns ``QUAL1 ... QUAL4`` and
        ``LOY1 ... LOY4``) or as a mapping from each code to its columns in wave order
        (``{"QUAL": ["q_2021", "q_2022", "q_2023"], "LOY": [...]}``). At least two
        constructs; codes are names that do not end with a digit.
    waves : the number of waves when ``variables`` are codes (at least 2 for the CLPM,
        3 for the RI-CLPM).
    random_intercepts : ``True`` for the RI-CLPM (Hamaker et al., 2015), ``False`` for the
        traditional CLPM.
    equal_lags : constrain each autoregression and cross-lagged effect to be equal at
        every lag (labels ``ar_<code>`` and ``cl_<predictor>_<outcome>``); residual
        variances and covariances stay free per wave.

    Returns
    -------
    str
        Model syntax for :func:`cxstats.sem.fit` (or lavaan), with ``#`` comments naming
        its parts.

    Raises
    ------
    cxstats.sem.ModelSpecificationError
        Fewer than two constructs, too few waves, a code that is not a valid name or ends
        with a digit, constructs with different numbers of waves, or a column used twice.
    TypeError
        ``variables`` is neither a list of codes nor a mapping of columns.

    Notes
    -----
    Specification of Mulder & Hamaker (2021); fitted with ``missing="fiml"`` it is the
    tutorial's ``lavaan(model, data, missing = "ML", meanstructure = TRUE,
    int.ov.free = TRUE)``. Checked against lavaan 0.6.14 (tests/reference/lavaan_clpm.R).

    References
    ----------
    Hamaker, E. L., Kuiper, R. M., & Grasman, R. P. P. P. (2015). A critique of the
    cross-lagged panel model. Psychological Methods, 20(1), 102-116.
    Mulder, J. D., & Hamaker, E. L. (2021). Three extensions of the random intercept
    cross-lagged panel model. Structural Equation Modeling, 28(4), 638-648.

    Examples
    --------
    >>> print(cross_lagged_syntax(["x", "y"], waves=3, equal_lags=True))  # doctest: +ELLIPSIS
    # Random intercepts: stable levels, loadings fixed at 1
    RI_x =~ 1*x1 + 1*x2 + 1*x3
    RI_y =~ 1*y1 + 1*y2 + 1*y3
    # Within-person components: each wave minus the stable level
    wx1 =~ 1*x1
    ...
    wx2 ~ ar_x*wx1 + cl_y_x*wy1
    wy2 ~ cl_x_y*wx1 + ar_y*wy1
    ...
    x3 ~ 1
    ...
    """
    columns = _columns(variables, waves, minimum=3 if random_intercepts else 2)
    codes = list(columns)
    n_waves = len(columns[codes[0]])
    pairs = [(a, b) for i, a in enumerate(codes) for b in codes[i + 1:]]
    lines: list[str] = []
    if random_intercepts:
        lines.append("# Random intercepts: stable levels, loadings fixed at 1")
        lines += [f"RI_{c} =~ " + " + ".join(f"1*{x}" for x in columns[c]) for c in codes]
        lines.append("# Within-person components: each wave minus the stable level")
    else:
        lines.append("# Each wave's score as a component with its own mean (no stable levels: the CLPM)")
    lines += [f"w{c}{t} =~ 1*{x}" for c in codes for t, x in enumerate(columns[c], start=1)]
    lines.append("# Lagged effects: autoregressive and cross-lagged" + (", equal at every lag" if equal_lags else ""))
    for t in range(2, n_waves + 1):
        if equal_lags:
            for c in codes:
                terms = [f"{'ar_' + c if p == c else f'cl_{p}_{c}'}*w{p}{t - 1}" for p in codes]
                lines.append(f"w{c}{t} ~ " + " + ".join(terms))
        else:
            lines.append(" + ".join(f"w{c}{t}" for c in codes) + " ~ " + " + ".join(f"w{p}{t - 1}" for p in codes))
    lines.append("# Covariances of the within components at wave 1 and of their residuals at later waves")
    lines += [f"w{a}{t} ~~ w{b}{t}" for t in range(1, n_waves + 1) for a, b in pairs]
    lines.append("# (Residual) variances of the within components")
    lines += [f"w{c}{t} ~~ w{c}{t}" for t in range(1, n_waves + 1) for c in codes]
    if random_intercepts:
        lines.append("# Variances and covariances of the random intercepts")
        lines += [f"RI_{c} ~~ RI_{c}" for c in codes] + [f"RI_{a} ~~ RI_{b}" for a, b in pairs]
        lines.append("# Random intercepts uncorrelated with the wave-1 within components")
        lines += [f"RI_{c} ~~ " + " + ".join(f"0*w{d}1" for d in codes) for c in codes]
    lines.append("# Observed scores: no residual variance (all variance is in the components)")
    lines += [f"{x} ~~ 0*{x}" for c in codes for x in columns[c]]
    lines.append("# Wave means: free intercepts of the observed scores")
    lines += [f"{x} ~ 1" for c in codes for x in columns[c]]
    return "\n".join(lines) + "\n"


def clpm_syntax(variables: Sequence[str] | Mapping[str, Sequence[str]], waves: int | None = None, *,
                equal_lags: bool = False) -> str:
    """lavaan syntax of the traditional cross-lagged panel model (CLPM).

    :func:`cross_lagged_syntax` with ``random_intercepts=False``: every wave's score is its
    wave mean plus a component regressed on the previous wave's components. Its lagged
    effects mix stable differences between customers with within-customer change; prefer
    :func:`riclpm_syntax` when there are three waves or more.

    Examples
    --------
    >>> "RI_" in clpm_syntax(["QUAL", "LOY"], waves=3)
    False
    """
    return cross_lagged_syntax(variables, waves, random_intercepts=False, equal_lags=equal_lags)


def riclpm_syntax(variables: Sequence[str] | Mapping[str, Sequence[str]], waves: int | None = None, *,
                  equal_lags: bool = False) -> str:
    """lavaan syntax of the random-intercept cross-lagged panel model (RI-CLPM).

    :func:`cross_lagged_syntax` with ``random_intercepts=True`` (Hamaker et al., 2015;
    Mulder & Hamaker, 2021): stable between-customer levels are separated from each
    customer's wave-to-wave deviations, and the lagged effects describe the deviations.

    Examples
    --------
    >>> import cxstats, cxstats.sem as sem
    >>> panel = cxstats.simulate_cx_waves(300, waves=4, seed=3)
    >>> fit = sem.fit(sem.riclpm_syntax(["QUAL", "LOY"], waves=4), panel.data)
    >>> effects = sem.cross_lagged_effects(fit)
    >>> effects.table[["kind", "predictor", "outcome", "from_wave", "to_wave"]].head(2)
               kind predictor outcome  from_wave  to_wave
    0  cross-lagged      QUAL     LOY          1        2
    1  cross-lagged      QUAL     LOY          2        3
    """
    return cross_lagged_syntax(variables, waves, random_intercepts=True, equal_lags=equal_lags)


def _columns(variables, waves: int | None, *, minimum: int) -> dict[str, list[str]]:
    """{construct code: its columns in wave order}, checked."""
    if isinstance(variables, Mapping):
        if waves is not None:
            raise ModelSpecificationError("waves= goes with a list of construct codes; with a mapping of columns "
                                          "the waves are the columns given. Drop waves=.")
        columns = {str(c): [str(x) for x in cols] for c, cols in variables.items()}
    elif isinstance(variables, Sequence) and not isinstance(variables, str):
        if not isinstance(waves, (int, np.integer)) or isinstance(waves, bool):
            raise ModelSpecificationError(f"waves must be the number of waves (a whole number of at least {minimum}) "
                                          f"when variables are construct codes, got {waves!r}.")
        columns = {str(c): [f"{c}{t}" for t in range(1, int(waves) + 1)] for c in variables}
    else:
        raise TypeError("variables must be a list of construct codes (with waves=) or a mapping from each code to "
                        f"its columns in wave order, got {type(variables).__name__}.")
    if len(columns) < 2:
        raise ModelSpecificationError(f"A cross-lagged model needs at least two constructs, got {list(columns)!r}.")
    for code in columns:
        if not _NAME.match(code) or code[-1].isdigit():
            raise ModelSpecificationError(f"The construct code {code!r} cannot name the model's components: use "
                                          "letters, digits, '_' or '.', not ending with a digit (e.g. 'QUAL').")
    lengths = {c: len(cols) for c, cols in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ModelSpecificationError("Every construct needs the same number of waves; got "
                                      + ", ".join(f"{c} {n}" for c, n in lengths.items()) + ".")
    n_waves = next(iter(lengths.values()))
    if n_waves < minimum:
        kind = "The RI-CLPM" if minimum == 3 else "A cross-lagged model"
        raise ModelSpecificationError(f"{kind} needs at least {minimum} waves, got {n_waves}"
                                      + (" (with two, the stable levels are not identified; fit the CLPM)."
                                         if minimum == 3 and n_waves == 2 else "."))
    names = [x for cols in columns.values() for x in cols]
    bad = [x for x in names if not _NAME.match(x)]
    if bad:
        raise ModelSpecificationError(f"Column {bad[0]!r} is not a name lavaan syntax accepts; rename it with "
                                      "letters, digits, '_' or '.' (not starting with a digit).")
    repeated = sorted({x for x in names if names.count(x) > 1})
    if repeated:
        raise ModelSpecificationError(f"Column(s) {', '.join(map(repr, repeated))} are given for more than one wave "
                                      "or construct; give each wave its own column.")
    return columns


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class CrossLaggedEffects(Exportable):
    """The lagged paths of a fitted CLPM or RI-CLPM, in a tidy table with a plain summary.

    Attributes
    ----------
    table : one row per lagged path (``kind``: ``cross-lagged`` or ``autoregressive``;
        ``predictor`` and ``outcome`` construct codes; ``from_wave``, ``to_wave``;
        the SEM row ``lhs, op, rhs, label``; ``estimate, se, z, p_value, ci_low,
        ci_high`` in scale points per scale point; ``std_all`` standardized), cross-lagged
        rows first.
    model : ``"RI-CLPM"`` or ``"CLPM"``.
    constructs : the construct codes, in model order.
    waves : the number of waves.
    equal_lags : whether each path is constrained equal at every lag.
    nobs : respondents used.
    fit : ``chisq, df, pvalue, cfi, rmsea, srmr`` of the model.
    traits : RI-CLPM only: one row per pair of constructs with the covariance of their
        stable levels and its correlation (``lhs, rhs, estimate, se, p_value, ci_low,
        ci_high, correlation``); empty for the CLPM.
    ci_level : the confidence level of ``ci_low`` and ``ci_high``.
    problems : the fit's warnings (non-convergence, negative variances ...), as text.
    """

    _TABLES = {
        "table": ("Lagged effects", "Cross-lagged and autoregressive paths between waves with estimates, intervals and "
                  "standardized values."),
    }

    table: pd.DataFrame
    model: str
    constructs: tuple[str, ...]
    waves: int
    equal_lags: bool
    nobs: int
    fit: pd.Series
    traits: pd.DataFrame
    ci_level: float
    problems: tuple[str, ...] = field(default=())

    def paths(self, kind: str = "cross-lagged") -> pd.DataFrame:
        """One row per path of ``kind`` (``"cross-lagged"`` or ``"autoregressive"``): with
        ``equal_lags`` the one estimate, else every lag's."""
        part = self.table[self.table["kind"] == kind]
        return part.drop_duplicates(["predictor", "outcome"]) if self.equal_lags else part

    def plot(self, *, show: str = "cross-lagged", title: str | None = None, labels=None, ax=None):
        """The lagged effects with their intervals: one line per path (per lag unless the lags
        are equal), one colour per path, a filled mark when the interval excludes 0.

        ``show="all"`` adds the autoregressions; ``labels`` (a dict or a Codebook) names
        the constructs; ``ax`` draws into a user's axes. Returns the Figure.
        """
        from ._lagged_plot import lagged_effects_plot

        return lagged_effects_plot(self, show=show, title=title, labels=labels, ax=ax)

    def summary(self) -> str:
        """The lagged paths as plain text, with the fit."""
        head = (f"{self.model}, {self.waves} waves, n = {self.nobs}"
                + (", lags equal over waves" if self.equal_lags else "") + f"; {_fit_text(self.fit)}")
        shown = self.table[["kind", "predictor", "outcome", "from_wave", "to_wave", "estimate", "se", "p_value",
                            "ci_low", "ci_high", "std_all"]]
        lines = [head, shown.to_string(index=False, float_format=lambda v: f"{v:.3f}")]
        lines += [f"! {p}" for p in self.problems]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        problems = problems_html(self.problems)
        head = html.escape(self.summary().splitlines()[0])
        return (f"<p><b>Lagged effects</b> — {head}</p>{problems}"
                + self.table.drop(columns=["lhs", "op", "rhs"]).round(3).to_html(index=False, na_rep=""))

    def plain_summary(self, *, labels=None) -> PlainText:
        """What the lagged effects say, in sentences a manager can read.

        One sentence per cross-lagged effect ("A rise in quality above a customer's usual
        level is followed by a rise in loyalty at the next wave ..."), with the estimate in
        scale points, its interval and the base; then the carry-over, the stable levels
        (RI-CLPM), the fit, and the caveats. ``labels`` (a dict or a Codebook) names the
        constructs.
        """
        from .. import formatting as fmt

        names = fmt.labels_of(labels)
        name = lambda c: names.get(c, c)  # noqa: E731
        lower = lambda c: _lower_first(name(c))  # noqa: E731
        level = fmt.percent(self.ci_level)
        within = self.model == "RI-CLPM"
        usual = " above the customer's usual level" if within else ""
        lines = []
        for (predictor, outcome), rows in self.paths("cross-lagged").groupby(["predictor", "outcome"], sort=False):
            lines.append("- " + _path_sentence(rows, lower(predictor), lower(outcome), usual, level, self.nobs))
        auto = self.paths("autoregressive")
        carry = ", ".join(f"{lower(c)} {_range(auto[auto['predictor'] == c]['estimate'])}" for c in self.constructs)
        plural = "s" if len(self.constructs) > 1 else ""
        lines.append(f"- Carry-over from one wave to the next (autoregression{plural}, "
                     f"{'deviations from the usual level' if within else 'scores'}): {carry}.")
        if within and len(self.traits):
            parts = []
            for r in self.traits.itertuples():
                a, b = lower(r.lhs.removeprefix("RI_")), lower(r.rhs.removeprefix("RI_"))
                numbers = f"correlation of the usual levels {fmt.number(r.correlation, 2)}, {fmt.p_text(r.p_value)}"
                if r.p_value < 1 - self.ci_level:
                    more = "higher" if r.correlation > 0 else "lower"
                    parts.append(f"customers whose {a} is usually higher tend to have {more} {b} ({numbers})")
                else:
                    parts.append(f"the usual levels of {a} and {b} are not clearly related ({numbers})")
            text = every(parts)
            lines.append(f"- Stable differences between customers: {text}. The lagged effects above are net of "
                         "these stable differences.")
        lines.append(f"- Model fit: {_fit_text(self.fit)}.")
        if within:
            lines.append("- These are within-customer effects over the survey's interval between waves: they say what "
                         "follows a change for the same customer, not how customers differ, and a different interval "
                         "can give different effects.")
        else:
            lines.append("- The CLPM does not separate stable differences between customers from change within a "
                         "customer, so its lagged effects can mislead (Hamaker et al., 2015); with three waves or "
                         "more, prefer the RI-CLPM.")
        if self.problems:
            messages = " ".join(re.sub(r"^[A-Z][A-Za-z]*Warning: ", "", p) for p in self.problems)
            lines.append("- Caution: the fit reported problems, so none of these numbers should be acted on. "
                         + messages)
        return PlainText("\n".join(lines))


def cross_lagged_effects(result: SEMResult) -> CrossLaggedEffects:
    """The autoregressive and cross-lagged paths of a fitted CLPM or RI-CLPM.

    Parameters
    ----------
    result : a fit of syntax written by :func:`riclpm_syntax`, :func:`clpm_syntax` or
        :func:`cross_lagged_syntax` (one group).

    Returns
    -------
    CrossLaggedEffects
        ``.table`` (``kind, predictor, outcome, from_wave, to_wave, lhs, op, rhs, label,
        estimate, se, z, p_value, ci_low, ci_high, std_all``), ``.paths()``,
        ``.plain_summary()``, ``.plot()``, ``.traits``, ``.fit``.

    Raises
    ------
    cxstats.sem.ModelSpecificationError
        The fit has no lagged regressions between within components ``w<code><wave>``,
        or has several groups.
    TypeError
        ``result`` is not an :class:`SEMResult`.

    Examples
    --------
    >>> import cxstats, cxstats.sem as sem
    >>> panel = cxstats.simulate_cx_waves(300, waves=3, seed=2)
    >>> fit = sem.fit(sem.riclpm_syntax(["QUAL", "LOY"], waves=3, equal_lags=True), panel.data)
    >>> sem.cross_lagged_effects(fit).paths()[["predictor", "outcome", "label"]]
      predictor outcome        label
    0      QUAL     LOY  cl_QUAL_LOY
    2       LOY    QUAL  cl_LOY_QUAL
    """
    if not isinstance(result, SEMResult):
        raise TypeError(f"result must be a fitted model from cxstats.sem.fit, got {type(result).__name__}.")
    if result.groups:
        raise ModelSpecificationError("cross_lagged_effects() reads one group's paths; fit the cross-lagged model "
                                      "without group= (or per group).")
    table = result.table
    ops, lhs, rhs = (table[c].tolist() for c in ("op", "lhs", "rhs"))
    columns = {c: table[c].tolist() for c in _COLUMNS[5:]}
    rows = []
    for i in (i for i, op in enumerate(ops) if op == "~"):
        row = {c: columns[c][i] for c in _COLUMNS[5:]}
        to, source = _WITHIN.match(row["lhs"]), _WITHIN.match(row["rhs"])
        if to is None or source is None or int(to["wave"]) != int(source["wave"]) + 1:
            continue
        predictor, outcome = source["construct"], to["construct"]
        rows.append({"kind": "autoregressive" if predictor == outcome else "cross-lagged", "predictor": predictor,
                     "outcome": outcome, "from_wave": int(source["wave"]), "to_wave": int(to["wave"]), **row})
    if not rows:
        raise ModelSpecificationError("The fitted model has no lagged paths between within components named "
                                      "w<construct><wave> (e.g. 'wLOY2 ~ wQUAL1'); write it with riclpm_syntax() or "
                                      "clpm_syntax().")
    constructs = tuple(dict.fromkeys(r["outcome"] for r in rows))
    order = {c: i for i, c in enumerate(constructs)}
    rows.sort(key=lambda r: (r["kind"] == "autoregressive", order[r["predictor"]], order[r["outcome"]],
                             r["from_wave"]))
    labels: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        labels.setdefault((r["predictor"], r["outcome"]), set()).add(r["label"])
    equal = all(len(v) == 1 and "" not in v for v in labels.values()) and len({r["to_wave"] for r in rows}) > 1
    intercepts = {f"RI_{c}" for c in constructs} & {a for a, op in zip(lhs, ops, strict=True) if op == "=~"}
    traits = [i for i, (a, op, b) in enumerate(zip(lhs, ops, rhs, strict=True))
              if op == "~~" and a != b and a in intercepts and b in intercepts]
    fm = result.fit_measures
    return CrossLaggedEffects(
        table=pd.DataFrame(rows, columns=_COLUMNS), model="RI-CLPM" if intercepts else "CLPM",
        constructs=constructs, waves=max(r["to_wave"] for r in rows), equal_lags=equal, nobs=int(result.nobs),
        fit=fm[["chisq", "df", "pvalue", "cfi", "rmsea", "srmr"]], traits=_traits(table, traits),
        ci_level=float(result._ci_level), problems=tuple(result.problems))


def _traits(table: pd.DataFrame, rows: list[int]) -> pd.DataFrame:
    """The covariances of the random intercepts (table rows ``rows``) with their correlations."""
    columns = ["lhs", "rhs", "estimate", "se", "p_value", "ci_low", "ci_high", "std_all"]
    out = table.iloc[rows][columns].rename(columns={"std_all": "correlation"})
    return out.reset_index(drop=True)


def _lower_first(text: str) -> str:
    """'Perceived quality' -> 'perceived quality'; codes such as 'QUAL' stay as they are."""
    return text[:1].lower() + text[1:] if text[:2].istitle() or (text[:1].isupper() and text[1:2].islower()) else text


def _range(values: pd.Series) -> str:
    from .. import formatting as fmt

    low, high = float(values.min()), float(values.max())
    if np.isclose(low, high, atol=5e-3):
        return fmt.number(low, 2)
    return f"{fmt.number(low, 2)} to {fmt.number(high, 2)}"


def _path_sentence(rows: pd.DataFrame, predictor: str, outcome: str, usual: str, level: str, nobs: int) -> str:
    """One cross-lagged effect in words: direction, size per scale point, interval, base."""
    from .. import formatting as fmt

    def clause(r) -> str:
        return (f"{fmt.number(r.estimate, 2, signed=True)} points ({level} CI {fmt.number(r.ci_low, 2)} to "
                f"{fmt.number(r.ci_high, 2)}, {fmt.p_text(r.p_value)})")

    clear = rows[(rows["ci_low"] > 0) | (rows["ci_high"] < 0)]
    single = len(rows) == 1
    if single:
        r = rows.iloc[0]
        if r.ci_low > 0 or r.ci_high < 0:
            verb = "rise" if r.estimate > 0 else "fall"
            return (f"A rise in {predictor}{usual} is followed by a {verb} in {outcome} at the next wave: "
                    f"{clause(r)} of {outcome} per point of {predictor} (n = {fmt.integer(nobs)}; equal at every "
                    "wave by assumption).")
        return (f"The data do not show whether a rise in {predictor}{usual} is followed by a change in {outcome} "
                f"at the next wave: {clause(r)} per point, an interval that includes no effect "
                f"(n = {fmt.integer(nobs)}).")
    by_wave = "; ".join(f"waves {r.from_wave} to {r.to_wave}: {clause(r)}" for r in rows.itertuples())
    signs = set(np.sign(clear["estimate"]))
    if clear.empty:
        head = (f"The data do not show whether a rise in {predictor}{usual} is followed by a change in {outcome} "
                "at the next wave: every interval includes no effect")
    elif len(signs) == 1:
        verb = "rise" if signs == {1.0} else "fall"
        share = "at every wave" if len(clear) == len(rows) else f"at {len(clear)} of {len(rows)} lags"
        head = f"A rise in {predictor}{usual} is followed by a {verb} in {outcome} at the next wave ({share})"
    else:
        head = (f"A rise in {predictor}{usual} is followed by a change in {outcome} whose direction differs between "
                "waves")
    return f"{head}; {outcome} points per point of {predictor}: {by_wave} (n = {fmt.integer(nobs)})."


def _fit_text(fit: pd.Series) -> str:
    from .. import formatting as fmt

    return (f"χ²({fmt.integer(fit['df'])}) = {fmt.number(fit['chisq'], 2)}, {fmt.p_text(fit['pvalue'])}, "
            f"CFI {fmt.number(fit['cfi'], 3)}, RMSEA {fmt.number(fit['rmsea'], 3)}, SRMR {fmt.number(fit['srmr'], 3)}")
