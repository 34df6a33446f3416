"""Descriptive tables of items, data sets and groups (the first look at any survey)."""

from __future__ import annotations

import pandas as pd

from ._errors import CxStatsError
from ._format import listing
from .data.codebook import Codebook
from .data.datasets import list_datasets, load_dataset
from ._validation import check_frame
from ._validation import need_codebook, survey_parts
from .data.survey import Survey

__all__ = ["describe_items", "describe_datasets", "describe_transactions", "group_sizes"]

_ITEM_COLUMNS = ["item", "construct", "wording", "n", "n_missing", "pct_missing", "mean", "sd",
                 "median", "min", "max", "skew", "kurtosis", "pct_top2"]


def describe_items(data: pd.DataFrame | Survey, codebook: Codebook | None = None, *,
                   group: str | None = None) -> pd.DataFrame:
    """One row per codebook item with its distribution, overall or per group.

    Parameters
    ----------
    data : respondents in rows, validated with ``codebook``, or a :class:`~cxstats.Survey`.
    codebook : the codebook whose items are described (default: the Survey's).
    group : a column (country, segment, wave) to describe the items by, as in
        :func:`cxstats.nps` and :func:`cxstats.top_box`: one row per group and item.

    Returns
    -------
    DataFrame
        Columns ``item, construct, wording, n, n_missing, pct_missing, mean, sd, median,
        min, max, skew, kurtosis, pct_top2`` (with ``group`` first when ``group`` is given,
        levels sorted, rows without a group value left out). ``sd`` uses n - 1; ``skew`` and
        ``kurtosis`` (excess) are pandas' bias-corrected sample estimates (as SPSS reports
        them); ``pct_top2`` is the share of answers in the two highest scale points (top-2-box).

    Raises
    ------
    CxStatsError
        The data lack items of the codebook, or there is no ``group`` column.
    """
    data, codebook = survey_parts(data, codebook)
    codebook = need_codebook(codebook, where="describe_items")
    check_frame(data, where="describe_items")
    absent = [i for i in codebook.item_names if i not in data.columns]
    if absent:
        raise CxStatsError(
            f"describe_items: the data lack the item(s) {', '.join(absent)} of codebook "
            f"'{codebook.name}'. Pass the data that were validated with this codebook."
        )
    if group is None:
        return _describe_items(data, codebook)
    if not isinstance(group, str) or group not in data.columns:
        raise CxStatsError(f"describe_items: no group column {group!r} in the data; columns: "
                           f"{listing(data.columns, limit=20, quote=True)}.")
    parts = [_describe_items(part, codebook).assign(group=level) for level, part in data.groupby(group, sort=True)]
    return pd.concat(parts, ignore_index=True)[["group", *_ITEM_COLUMNS]]


def _describe_items(data: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    rows = []
    for item in codebook.items:
        values = data[item.name]
        answered = values.dropna()
        top2 = float("nan")
        if item.scale is not None and len(answered):
            top2 = 100.0 * float((answered >= item.scale[1] - 1).mean())
        rows.append({
            "item": item.name,
            "construct": item.construct,
            "wording": item.wording,
            "n": int(answered.size),
            "n_missing": int(values.isna().sum()),
            "pct_missing": 100.0 * float(values.isna().mean()),
            "mean": float(answered.mean()),
            "sd": float(answered.std(ddof=1)),
            "median": float(answered.median()),
            "min": float(answered.min()),
            "max": float(answered.max()),
            "skew": float(answered.skew()),
            "kurtosis": float(answered.kurt()),
            "pct_top2": top2,
        })
    return pd.DataFrame(rows, columns=_ITEM_COLUMNS)


def describe_datasets() -> pd.DataFrame:
    """The bundled data sets: ``name, title, rows, items, constructs, missing_cells, licence, citation``."""
    rows = []
    for name in list_datasets():
        ds = load_dataset(name)
        rows.append({
            "name": name,
            "title": ds.codebook.title,
            "rows": len(ds.data),
            "items": len(ds.codebook.items),
            "constructs": len(ds.codebook.blocks()),
            "missing_cells": int(ds.data[list(ds.codebook.item_names)].isna().sum().sum()),
            "licence": ds.codebook.licence,
            "citation": ds.codebook.citation,
        })
    return pd.DataFrame(rows)


def group_sizes(data: pd.DataFrame, group: str | list[str], *, codebook: Codebook | None = None) -> pd.DataFrame:
    """Respondents per group (``group`` value(s), ``label``, ``n``, ``pct``), labels from the codebook."""
    data, codebook = survey_parts(data, codebook)
    check_frame(data, where="group_sizes")
    groups = [group] if isinstance(group, str) else list(group)
    absent = [g for g in groups if g not in data.columns]
    if absent:
        raise CxStatsError(
            f"group_sizes: no column {', '.join(repr(g) for g in absent)} in the data; "
            f"columns are {', '.join(map(str, data.columns))}."
        )
    counts = data.groupby(groups, dropna=False).size().rename("n").reset_index()
    counts["pct"] = 100.0 * counts["n"] / counts["n"].sum()
    if codebook is not None and len(groups) == 1:
        labels = {v.name: v.labels for v in codebook.variables}.get(groups[0], {})
        counts.insert(1, "label", [labels.get(float(v), str(v)) if _is_number(v) else str(v)
                                   for v in counts[groups[0]]])
    return counts


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def describe_transactions(data: pd.DataFrame, *, customer: str = "customer_id", date: str = "date",
                          amount: str = "amount") -> pd.DataFrame:
    """A one-row summary of purchase records.

    Returns
    -------
    DataFrame
        ``customers, transactions, first_date, last_date, purchases_per_customer,
        pct_repeat_customers, mean_amount, median_amount, total_amount``;
        ``pct_repeat_customers`` is the share of customers with two or more purchases.
    """
    check_frame(data, where="describe_transactions")
    absent = [c for c in (customer, date, amount) if c not in data.columns]
    if absent:
        raise CxStatsError(
            f"describe_transactions: no column {', '.join(repr(c) for c in absent)}; the data have "
            f"{', '.join(map(str, data.columns))}. Name the columns with customer=, date=, amount=."
        )
    per_customer = data.groupby(customer).size()
    dates = pd.to_datetime(data[date])
    return pd.DataFrame([{
        "customers": int(per_customer.size),
        "transactions": int(len(data)),
        "first_date": dates.min().date(),
        "last_date": dates.max().date(),
        "purchases_per_customer": float(per_customer.mean()),
        "pct_repeat_customers": 100.0 * float((per_customer >= 2).mean()),
        "mean_amount": float(data[amount].mean()),
        "median_amount": float(data[amount].median()),
        "total_amount": float(data[amount].sum()),
    }])
