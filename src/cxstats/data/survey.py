"""``Survey``: validated data, the codebook that describes them, and where both came from.

``read_survey`` and ``load_dataset`` return one. Every analysis function that takes ``data``
also takes a Survey (its codebook is then used when none is passed), and results keep the
codebook's labels, so tables, figures and plain summaries name "Customer satisfaction"
rather than ``CUSA``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from .codebook import Codebook

__all__ = ["Provenance", "Survey"]


@dataclass(frozen=True)
class Provenance:
    """Where a survey's data and codebook came from, and what loading did to them.

    Attributes
    ----------
    source : the data file's path, or ``"data frame"`` for data passed in code.
    codebook_origin : the codebook YAML's path, ``"SPSS metadata of '<file>'"``, or
        ``"given in code"``.
    rows_read : rows in the file (or frame) before validation.
    rows_dropped : rows read but not kept (validation keeps every row today: 0).
    columns_dropped : columns the codebook does not declare, dropped with
        ``unknown_columns="drop"``.
    reverse_coded : True when reverse-worded items were recoded (``low + high - x``) on
        load; :meth:`Survey.scores` recodes them itself when False.
    """

    source: str = "data frame"
    codebook_origin: str = "given in code"
    rows_read: int | None = None
    rows_dropped: int = 0
    columns_dropped: tuple[str, ...] = ()
    reverse_coded: bool = True


@dataclass(frozen=True, eq=False)
class Survey:
    """A validated survey: ``data`` (respondents in rows), its ``codebook`` and ``provenance``.

    ``cxstats.Dataset`` is the same class (the older name of what ``load_dataset`` returns).

    Examples
    --------
    >>> import cxstats
    >>> mobi = cxstats.load_dataset("ecsi_mobile")
    >>> mobi.items("CUSA")
    ('CUSA1', 'CUSA2', 'CUSA3')
    >>> mobi.labels["CUSA"]
    'Customer satisfaction'
    >>> round(float(mobi.scores(["CUSA"])["CUSA"].mean()), 3)
    7.477
    """

    data: pd.DataFrame
    codebook: Codebook
    provenance: Provenance = field(default_factory=Provenance)

    def __post_init__(self) -> None:
        if not isinstance(self.data, pd.DataFrame):
            raise TypeError(f"Survey: data must be a pandas DataFrame, got {type(self.data).__name__}.")
        if not isinstance(self.codebook, Codebook):
            raise TypeError(f"Survey: codebook must be a cxstats.Codebook, got {type(self.codebook).__name__}. "
                            "Read a YAML codebook with cxstats.Codebook.from_yaml(path).")

    @classmethod
    def from_frame(cls, data: pd.DataFrame, codebook: Codebook, *,
                   unknown_columns: Literal["error", "drop", "keep"] = "error",
                   reverse_code: bool = True) -> Survey:
        """Validate a data frame against ``codebook`` (:func:`cxstats.validate`) and wrap both.

        Examples
        --------
        >>> import cxstats
        >>> panel = cxstats.simulate_cx_panel(50, seed=1)  # 50 per country, 4 countries
        >>> survey = cxstats.Survey.from_frame(panel.data, panel.codebook)
        >>> survey.provenance.rows_read
        200
        """
        from .validate import validate

        clean = validate(data, codebook, unknown_columns=unknown_columns, reverse_code=reverse_code)
        return cls(clean, codebook, Provenance(
            rows_read=len(data), rows_dropped=len(data) - len(clean),
            columns_dropped=tuple(str(c) for c in data.columns if c not in clean.columns),
            reverse_coded=reverse_code))

    # what the codebook says -------------------------------------------------------
    @property
    def name(self) -> str:
        return self.codebook.name

    @property
    def labels(self) -> dict[str, str]:
        """``{code: label}`` for every construct and item (the codebook's :attr:`Codebook.labels`)."""
        return self.codebook.labels

    def items(self, construct: str) -> tuple[str, ...]:
        """The items (column names) that measure ``construct``, in codebook order."""
        return self.codebook.items_of(construct)

    @property
    def constructs(self) -> dict[str, str]:
        """``{code: label}`` of the constructs that have items."""
        return {c: self.codebook.constructs.get(c, c) for c in self.codebook.blocks()}

    # scores --------------------------------------------------------------------------
    def scores(self, constructs: Sequence[str] | None = None, *, method: Literal["mean", "sum"] = "mean",
               min_answered: int = 1) -> pd.DataFrame:
        """Each respondent's score on each construct (:func:`cxstats.scale_scores` on this survey).

        Reverse-worded items count in their recoded direction whether or not they were
        recoded on load (``provenance.reverse_coded``). See :func:`cxstats.scale_scores` for
        ``method`` and ``min_answered``.
        """
        from ..reliability import scale_scores

        return scale_scores(self, constructs=constructs, method=method, min_answered=min_answered)

    # display -------------------------------------------------------------------------
    def __repr__(self) -> str:
        blocks = self.codebook.blocks()
        return (f"Survey({self.name!r}: {len(self.data):,} rows, {len(self.codebook.items)} items in "
                f"{len(blocks)} constructs; from {self.provenance.source})")

    def _repr_html_(self) -> str:
        cb, prov = self.codebook, self.provenance
        esc = html.escape
        rows = []
        for construct, items in cb.blocks().items():
            names = []
            for name in items:
                item = cb.item(name)
                text = esc(item.label or name) + (f" <small>({esc(name)})</small>" if item.label else "")
                if item.reverse:
                    text += " <small>[reversed]</small>"
                names.append(text)
            rows.append(f"<tr><td style='text-align:left'><b>{esc(cb.constructs.get(construct, construct))}</b> "
                        f"<small>({esc(construct)})</small></td><td style='text-align:left'>{', '.join(names)}</td></tr>")
        table = ("<table><thead><tr><th style='text-align:left'>Construct</th><th style='text-align:left'>Items</th>"
                 f"</tr></thead><tbody>{''.join(rows)}</tbody></table>") if rows else ""
        kept = f"{len(self.data):,} rows"
        read = (f"{prov.rows_read:,} rows read, {prov.rows_dropped:,} dropped" if prov.rows_read is not None
                else kept)
        dropped = (f"; columns dropped: {esc(', '.join(prov.columns_dropped))}" if prov.columns_dropped else "")
        reverse = [i.name for i in cb.items if i.reverse]
        recoded = ("" if not reverse else
                   f"; reversed items {'recoded on load' if prov.reverse_coded else 'as in the file (scores recode them)'}")
        origin = ("" if not (cb.citation or cb.source or cb.licence) else
                  f"<p><small>Source: {esc(cb.citation or cb.source)}"
                  + (f" Licence: {esc(cb.licence)}." if cb.licence else "") + "</small></p>")
        others = ", ".join(f"{esc(v.name)} ({v.role})" for v in cb.variables if v.name in self.data.columns)
        others = f"<p><small>Other columns: {others}.</small></p>" if others else ""
        answered = [i.name for i in cb.items if i.name in self.data.columns]
        gaps = int(self.data[answered].isna().sum().sum()) if answered else 0
        gaps_text = f"; {gaps:,} missing answer{'s' * (gaps != 1)}" if answered else ""
        return (f"<p><b>{esc(cb.title or cb.name)}</b>: {kept}, {len(cb.items)} items in {len(rows)} constructs. "
                f"{esc(cb.description)}</p>{table}{others}"
                f"<p><small>Data: {esc(prov.source)} ({read}{gaps_text}{dropped}{recoded}). "
                f"Codebook: {esc(prov.codebook_origin)}.</small></p>{origin}")


Dataset = Survey
