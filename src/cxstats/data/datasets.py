"""The data sets bundled with cxstats (provenance and licences: data/README.md)."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path

from .._errors import CxStatsError
from .codebook import Codebook
from .readers import read_survey
from .survey import Dataset, Survey

__all__ = ["Dataset", "Survey", "load_dataset", "list_datasets", "data_dir"]


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


def load_dataset(name: str, *, reverse_code: bool = True) -> Survey:
    """Load a bundled data set, validated against its codebook, as a :class:`Survey`.

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
    >>> mobi.provenance.rows_read
    250
    """
    available = list_datasets()
    if name not in available:
        raise CxStatsError(f"There is no bundled data set '{name}'. Available: {', '.join(available)}.")
    folder = data_dir()
    book = folder / f"{name}.codebook.yaml"
    codebook = Codebook.from_yaml(book)
    survey = read_survey(folder / (codebook.file or f"{name}.csv"), codebook, reverse_code=reverse_code)
    return replace(survey, provenance=replace(survey.provenance, codebook_origin=str(book)))
