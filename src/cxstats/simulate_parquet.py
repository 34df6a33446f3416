"""A large simulated tracker written to Parquet in chunks, with bounded memory.

:func:`write_panel_parquet` calls :func:`cxstats.simulate_cx_panel` once per chunk (each
chunk with its own seed drawn from ``seed``) and writes each chunk as one Parquet file of a
directory, so a 10^7-response four-country tracker never has to exist in memory at once.
It feeds :func:`cxstats.moments` and the scale-out examples.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._errors import CxStatsError
from .simulate import _check_arguments, simulate_cx_panel

__all__ = ["write_panel_parquet"]

_COUNTRIES = ("DE", "US", "CN", "BR")
_MIN_PER_COUNTRY = 50  # simulate_cx_panel's minimum


def write_panel_parquet(path: str | os.PathLike, n_rows: int, *, chunk_rows: int = 500_000, seed: int | None = None,
                        countries: Sequence[str] = _COUNTRIES, item_dtype: str = "float32",
                        row_group_rows: int = 131_072, noninvariant_items: int = 0,
                        noninvariant_country: int = 2) -> list[Path]:
    """Write a simulated CX tracker of ``n_rows`` responses to a directory of Parquet files.

    Parameters
    ----------
    path : the directory to create (it must not hold Parquet files already).
    n_rows : responses in all; a multiple of the number of countries.
    chunk_rows : responses simulated and written at a time (one file each); bounds memory
        (about 300 bytes per response in flight). A multiple of the number of countries.
    seed : fixes every chunk's draws; the same seed and chunking give identical files.
    countries : country codes, as in :func:`cxstats.simulate_cx_panel`.
    item_dtype : ``"float32"`` (Likert values are exact in float32; half the bytes) or ``"float64"``.
    row_group_rows : rows per Parquet row group.
    noninvariant_items, noninvariant_country : items measured differently in one country,
        as in :func:`cxstats.simulate_cx_panel` (1: the intercept of ``RES2`` is shifted;
        2: also the loading of ``EMP3`` is weakened); the same in every chunk.

    Returns
    -------
    list of pathlib.Path
        The files written, in order (``part-00000.parquet``, ...). Each has the columns of
        :func:`cxstats.simulate_cx_panel` (``respondent`` numbered across the whole panel).

    Raises
    ------
    CxStatsError
        ``n_rows`` or ``chunk_rows`` not a positive multiple of the number of countries, too
        few rows per country in a chunk, an unknown ``item_dtype``, a bad ``noninvariant_items``
        or ``noninvariant_country``, or Parquet files already in ``path``.

    Examples
    --------
    >>> import tempfile, cxstats
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = cxstats.write_panel_parquet(tmp, 2_000, chunk_rows=1_000, seed=1)
    ...     m = cxstats.moments(files, ["SAT1", "SAT2", "SAT3"], group="country")
    >>> len(files), m.n_total
    (2, 2000)
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    countries = tuple(str(c) for c in countries)
    k = len(countries)
    for name, value in (("n_rows", n_rows), ("chunk_rows", chunk_rows), ("row_group_rows", row_group_rows)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise CxStatsError(f"{name} must be a positive whole number, got {value!r}.")
    for name, value in (("n_rows", n_rows), ("chunk_rows", chunk_rows)):
        if value % k:
            raise CxStatsError(f"{name} ({value}) must be a multiple of the number of countries ({k}) so that "
                               f"every country has the same number of responses.")
    if item_dtype not in ("float32", "float64"):
        raise CxStatsError(f"item_dtype must be 'float32' or 'float64', got {item_dtype!r}.")
    _check_arguments(_MIN_PER_COUNTRY, countries, noninvariant_items, noninvariant_country)  # before any file
    sizes = [chunk_rows] * (n_rows // chunk_rows) + ([n_rows % chunk_rows] if n_rows % chunk_rows else [])
    if len(sizes) > 1 and sizes[-1] < _MIN_PER_COUNTRY * k:
        sizes[-2] += sizes.pop()
    if sizes[0] < _MIN_PER_COUNTRY * k:
        raise CxStatsError(f"Each chunk needs at least {_MIN_PER_COUNTRY} responses per country "
                           f"({_MIN_PER_COUNTRY * k} in all); got {sizes[0]}. Raise n_rows or chunk_rows.")
    out_dir = Path(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.glob("*.parquet")):
        raise CxStatsError(f"The directory {str(out_dir)!r} already holds Parquet files; write to a new or empty "
                           f"directory.")
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(len(sizes))]
    written, offset = [], 0
    for number, (size, chunk_seed) in enumerate(zip(sizes, seeds, strict=True)):
        data = simulate_cx_panel(size // k, countries=countries, seed=chunk_seed, noninvariant_items=noninvariant_items,
                                 noninvariant_country=noninvariant_country).data
        data["respondent"] = data["respondent"] + offset
        offset += size
        table = pa.Table.from_pandas(data, preserve_index=False)
        fields = [pa.field(f.name, pa.from_numpy_dtype(np.dtype(item_dtype)))
                  if pa.types.is_floating(f.type) else f for f in table.schema]
        table = table.cast(pa.schema(fields))
        target = out_dir / f"part-{number:05d}.parquet"
        pq.write_table(table, target, row_group_size=int(row_group_rows))
        written.append(target)
        del data, table
    return written
