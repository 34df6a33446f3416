"""Quarto callouts (``::: {.callout-warning}`` ... ``:::``) and the cautions a report must show.

A callout is a fenced div whose class is ``callout-note``, ``callout-tip``,
``callout-warning``, ``callout-important`` or ``callout-caution``; its title is the
``title="..."`` attribute or a first ``## Title`` line, as in Quarto::

    ::: {.callout-warning}
    ## Caution
    Text.
    :::

The HTML report draws it as a box (CSS), the PDF as a Typst block with a coloured border.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Callout", "Cautions", "cautions", "callout_markdown", "split_callouts", "callouts_to_html", "typst_text",
           "callouts_to_typst", "normalise"]

KINDS = ("note", "tip", "warning", "important", "caution")
_DEFAULT_TITLES = {"note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important",
                   "caution": "Caution"}
# border and background colours (Quarto's palette)
COLOURS = {"note": ("#0d6efd", "#eef4ff"), "tip": ("#198754", "#edf7f1"), "warning": ("#e0a100", "#fff8e6"),
           "important": ("#dc3545", "#fdeff0"), "caution": ("#fd7e14", "#fff3e8")}

_OPEN = re.compile(r"^(:{3,})\s*\{([^}]*)\}\s*$")
_CLOSE = re.compile(r"^(:{3,})\s*$")
_CLASS = re.compile(r"\.callout-(\w+)")
_TITLE_ATTR = re.compile(r"""title\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass(frozen=True)
class Callout:
    """One callout: its kind (``warning``, ``note``, ...), title and Markdown body."""

    kind: str
    title: str
    body: str


def split_callouts(markdown: str) -> list[str | Callout]:
    """``markdown`` as a list of plain Markdown strings and :class:`Callout` blocks, in order.

    A fence that is not a callout (any other div) and an unclosed callout stay as text.
    """
    lines = markdown.split("\n")
    parts: list[str | Callout] = []
    plain: list[str] = []
    k = 0
    while k < len(lines):
        opened = _OPEN.match(lines[k])
        kind = _CLASS.search(opened.group(2)) if opened else None
        if opened and kind and kind.group(1) in KINDS:
            depth, end = 1, None
            for j in range(k + 1, len(lines)):
                if _OPEN.match(lines[j]):
                    depth += 1
                elif _CLOSE.match(lines[j]):
                    depth -= 1
                    if depth == 0:
                        end = j
                        break
            if end is not None:
                if plain:
                    parts.append("\n".join(plain))
                    plain = []
                parts.append(_callout(kind.group(1), opened.group(2), lines[k + 1:end]))
                k = end + 1
                continue
        plain.append(lines[k])
        k += 1
    if plain:
        parts.append("\n".join(plain))
    return parts


def _callout(kind: str, attributes: str, body: list[str]) -> Callout:
    titled = _TITLE_ATTR.search(attributes)
    title = next((g for g in titled.groups() if g is not None), "") if titled else ""
    while body and not body[0].strip():
        body = body[1:]
    if not title and body and re.match(r"^#{1,6}\s+\S", body[0]):
        title, body = body[0].lstrip("#").strip(), body[1:]
    return Callout(kind, title or _DEFAULT_TITLES[kind], "\n".join(body).strip())


def callout_markdown(kind: str, title: str, body: str) -> str:
    """A Quarto callout as Markdown."""
    return f"::: {{.callout-{kind}}}\n## {title}\n\n{body.strip()}\n:::"


def callouts_to_html(markdown: str, render) -> str:
    """``markdown`` with each callout replaced by an HTML box (``render`` turns Markdown into HTML).

    The box holds no blank line, so a Markdown renderer passes it through as one HTML block.
    """
    out = []
    for part in split_callouts(markdown):
        if isinstance(part, str):
            out.append(part)
            continue
        body = "\n".join(line for line in render(part.body).split("\n") if line.strip())
        out.append(f'\n<div class="cx-callout cx-callout-{part.kind}">'
                   f'<div class="cx-callout-title">{html.escape(part.title)}</div>'
                   f'<div class="cx-callout-body">{body}</div></div>\n')
    return "\n".join(out)


def callouts_to_typst(markdown: str) -> str:
    """``markdown`` with each callout as Pandoc Markdown framed by raw Typst (a bordered block)."""
    out = []
    for part in split_callouts(markdown):
        if isinstance(part, str):
            out.append(part)
            continue
        border, fill = COLOURS[part.kind]
        # cx-callout (the PDF header) keeps a short box whole and a long one's title with its text
        opening = f'#cx-callout(fill: rgb("{fill}"), border: rgb("{border}"), title: [{typst_text(part.title)}])['
        out.append(f"\n```{{=typst}}\n{opening}\n```\n\n{part.body}\n\n```{{=typst}}\n]\n```\n")
    return "\n".join(out)


def typst_text(text: str) -> str:
    """Plain ``text`` as Typst markup (its special characters escaped)."""
    return re.sub(r"([\\#\[\]*_`$<>@~=/+-])", r"\\\1", text)


def normalise(text: str) -> str:
    """Text for comparing a warning's message with a callout: no Markdown marks, one space."""
    return " ".join(re.sub(r"[\\*_`]", "", text).split())


# ---------------------------------------------------------------------------------------
# cautions(result, model=...)

# each kind of problem (the warning's class): its name in words for the reader (the class
# name is program text) and, where a reader needs it, what it means for the numbers
_PROBLEMS: dict[str, tuple[str, str | None]] = {
    "ConvergenceWarning": ("The estimation did not finish",
                           "the estimation did not finish, so its numbers are not trustworthy"),
    "WeightsConvergenceWarning": ("The weights did not settle",
                                  "the estimation did not finish, so its numbers are not trustworthy"),
    "HeywoodWarning": ("Negative variance (a Heywood case)",
                       "an impossible (negative) variance points to a model that does not fit these data"),
    "NonPositiveDefiniteWarning": ("Impossible correlations (a non-positive-definite matrix)",
                                   "two concepts may measure the same thing, so their separate effects are unclear"),
    "IdentificationWarning": ("Numbers that the data cannot determine",
                              "some numbers cannot be determined from these data at all"),
    "InadmissibleWarning": ("Correction for measurement error failed",
                            "the correction for measurement error failed, so the corrected numbers are not usable"),
    "BootstrapWarning": ("Failed resamples",
                         "some resamples failed, so the intervals rest on fewer draws than planned"),
    "CollinearityWarning": ("Overlapping drivers", "the drivers overlap, so their ranking is not meaningful"),
    "ReverseCodingWarning": ("A question that runs against its concept", None),
    "DuplicateTransactionsWarning": ("Repeated purchase records", None),
    "SmallGroupWarning": ("A group too small for an interval", None),
    "NoEventsWarning": ("No events to analyse", None),
    "PartialPeriodWarning": ("An incomplete period", None),
    "IndexWeightWarning": ("Index weights to check", None),
    "CLVConvergenceWarning": ("The lifetime-value model did not finish",
                              "the estimation did not finish, so its forecasts and lifetime values are not trustworthy"),
    "SpendFrequencyCorrelationWarning": ("Spend depends on purchase frequency",
                                         "the spend model assumes it does not, so expected spends and lifetime values "
                                         "are biased"),
    "DecompositionWarning": ("Shares that do not add up",
                             "a split of explained variance or of an effect cannot be read as shares of a whole, "
                             "so report the effects themselves"),
    "NestingWarning": ("Models that do not behave as nested",
                       "the test comparing the two models does not test the added restrictions, so do not use its "
                       "p-value"),
    "ScaledDifferenceWarning": ("A corrected model comparison that cannot be trusted",
                                "the corrected (scaled) test comparing the two models cannot be trusted, so do not "
                                "use its p-value"),
    "PolychoricConvergenceWarning": ("A correlation between two questions could not be estimated",
                                     "that correlation, and anything built on it, is not usable"),
    "CorrelationNearOneWarning": ("Two questions that move as one",
                                  "the two questions may repeat each other, or too few answers separate them"),
    "PolychoricNotPositiveDefiniteWarning": ("Correlations between answers that cannot all hold together",
                                             "the correlations of the ordered answers contradict one another, so the "
                                             "model's numbers rest on an adjusted matrix and need care"),
}


def _split_problem(problem: str) -> tuple[str | None, str]:
    """``("HeywoodWarning", "Negative variance ...")``; ``(None, problem)`` without a warning class."""
    kind, sep, message = problem.partition(": ")
    if not sep or not re.fullmatch(r"[A-Z][A-Za-z]*Warning", kind):
        return None, problem
    return kind, message


def plain_problem(problem: str) -> str:
    """``"HeywoodWarning: Negative variance ..."`` as ``"Negative variance (a Heywood case): Negative variance ..."``.

    The kind of the problem is said in words; with a class that is not a cxstats problem
    (``RuntimeWarning``) the message stands alone, under the callout's "Caution" title.

    Examples
    --------
    >>> plain_problem("ConvergenceWarning: the optimiser stopped.")
    'The estimation did not finish: the optimiser stopped.'
    >>> plain_problem("RuntimeWarning: careful.")
    'careful.'
    """
    kind, message = _split_problem(problem)
    if kind is None:
        return problem
    words = _PROBLEMS.get(kind, (None, None))[0]
    return f"{words}: {message}" if words else message


class Cautions:
    """A callout listing a result's problems; displays nothing when there are none.

    Jupyter shows it as a box (``_repr_html_``); a report (cxstats or Quarto) gets a Quarto
    ``callout-warning`` (``_repr_markdown_``).
    """

    def __init__(self, problems: Iterable[str], model: str | None = None) -> None:
        self.problems = tuple(str(p) for p in problems)
        self.model = model

    def __bool__(self) -> bool:
        return bool(self.problems)

    def _sentence(self) -> str:
        subject = f"the {self.model}" if self.model and not self.model.lower().startswith("the ") else (
            self.model or "this model")
        count = "a problem" if len(self.problems) == 1 else f"{len(self.problems)} problems"
        meanings = []
        for problem in self.problems:
            meaning = _PROBLEMS.get(_split_problem(problem)[0] or "", (None, None))[1]
            if meaning and meaning not in meanings:
                meanings.append(meaning)
        why = (" In plain words: " + "; ".join(meanings) + ".") if meanings else ""
        return (f"The estimation of {subject} reported {count} (below). Treat the numbers from this model as "
                f"provisional and do not base a decision on them until the problem is resolved.{why}")

    def _repr_markdown_(self) -> str | None:
        if not self.problems:
            return None
        items = "\n".join(f"- {plain_problem(p)}" for p in self.problems)
        return callout_markdown("warning", "Caution", f"{self._sentence()}\n\n{items}")

    def _repr_html_(self) -> str | None:
        if not self.problems:
            return None
        border, fill = COLOURS["warning"]
        items = "".join(f"<li>{html.escape(plain_problem(p))}</li>" for p in self.problems)
        return (f'<div style="border:1px solid {border};border-left:4px solid {border};background:{fill};'
                f'padding:0.4em 0.8em;margin:0.6em 0"><b>Caution</b><p>{html.escape(self._sentence())}</p>'
                f"<ul>{items}</ul></div>")

    def _ipython_display_(self) -> None:
        if not self.problems:
            return
        from IPython.display import display

        display({"text/markdown": self._repr_markdown_(), "text/html": self._repr_html_(),
                 "text/plain": repr(self)}, raw=True)

    def __repr__(self) -> str:
        if not self.problems:
            return "Cautions(no problems)"
        return "Caution: " + self._sentence() + "".join(f"\n- {p}" for p in map(plain_problem, self.problems))


def cautions(result: Any, *, model: str | None = None) -> Cautions:
    """A callout (Quarto ``callout-warning``, title "Caution") listing ``result``'s problems.

    Display it in a visible cell so that the warnings an estimate raised in a hidden cell
    reach the report's reader; with no problems it displays nothing.

    Parameters
    ----------
    result : any object with a ``problems`` attribute (``SEMResult``, ``PLSResult``,
        ``DriverResult``, ...), a list or tuple of problem strings, or one string.
    model : what the result estimated, in words ("the six-concept measurement model").

    Returns
    -------
    Cautions
        Displays as the callout in Jupyter and in reports; ``bool()`` is whether there are problems.

    Raises
    ------
    TypeError
        ``result`` has no ``problems`` and is not a list of strings.

    Examples
    --------
    >>> from cxstats.report import cautions
    >>> bool(cautions([]))
    False
    >>> print(cautions(["ConvergenceWarning: the optimiser stopped."], model="the ECSI model")._repr_markdown_())
    ... # doctest: +ELLIPSIS
    ::: {.callout-warning}
    ## Caution
    <BLANKLINE>
    The estimation of the ECSI model reported a problem (below)...
    - The estimation did not finish: the optimiser stopped.
    :::
    """
    if model is not None and not isinstance(model, str):
        raise TypeError(f"cautions(model=...) takes a description in words, not {type(model).__name__}.")
    problems = getattr(result, "problems", result)
    if problems is None:  # a result that records no problems field value
        problems = []
    if isinstance(problems, str):
        problems = [problems]
    if not isinstance(problems, (list, tuple)) or not all(isinstance(p, str) for p in problems):
        raise TypeError(
            f"cautions() takes a result with a 'problems' attribute (SEMResult, PLSResult, ...) or a list of "
            f"problem strings, not {type(result).__name__}."
        )
    return Cautions(problems, model)
