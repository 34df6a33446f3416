"""The data sets bundled with cxstats (provenance and licences: data/README.md)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from .._errors import CxStatsError
from .codebook import Codebook
from .readers import read_survey

__all__ = ["Dataset", "load_dataset", "list_datasets", "data_dir"]


@dataclass(frozen=True)
class Dataset:
    """A validated data frame together with the codebook that describes it."""

    data: pd.DataFrame
    codebook: Codebook

    @property
    def name(self) -> str:
        return self.codebook.name

    def _repr_html_(self) -> str:
        cb = self.codebook
        return (
            f"<p><b>{cb.title or cb.name}</b>: {len(self.data):,} rows, "
            f"{len(cb.items)} items in {len(cb.blocks())} constructs. {cb.description}</p>"
            f"<p><small>Source: {cb.citation or cb.source}. Licence: {cb.licence}.</small></p>"
        )


def data_dir() -> Path:
    """The folder holding the bundled data files and their codebooks (inside the installed package, or the
    repository's ``data/``).

    Examples
    --------
    >>> import cxstats
    >>> (cxstats.data_dir() / "ecsi_mobile.codebook.yaml").exists()
    True
    """
    installed = resources.files("cxstats").joinpath("_data")
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[3] / "data"


def list_datasets() -> list[str]:
    """Names of the bundled data sets."""
    return sorted(p.name.removesuffix(".codebook.yaml") for p in data_dir().glob("*.codebook.yaml"))


def load_dataset(name: str, *, reverse_code: bool = True) -> Dataset:
    """Load a bundled data set, validated against its codebook.

    Parameters
    ----------
    name : one of :func:`list_datasets`: ``"ecsi_mobile"`` (ECSI mobile-phone survey,
        250 x 24), ``"corporate_reputation"`` (344 respondents, -99 = missing),
        ``"customersat"`` (bayesm customerSat, 1,811 x 10), ``"cdnow_transactions"``
        (CDNOW purchase records, 6,919 transactions of 2,357 customers).
    reverse_code : recode reverse-worded items (see :func:`cxstats.validate`).

    Examples
    --------
    >>> import cxstats
    >>> mobi = cxstats.load_dataset("ecsi_mobile")
    >>> mobi.data.shape
    (250, 24)
    """
    available = list_datasets()
    if name not in available:
        raise CxStatsError(f"There is no bundled data set '{name}'. Available: {', '.join(available)}.")
    folder = data_dir()
    codebook = Codebook.from_yaml(folder / f"{name}.codebook.yaml")
    data = read_survey(folder / (codebook.file or f"{name}.csv"), codebook, reverse_code=reverse_code)
    return Dataset(data=data, codebook=codebook)
