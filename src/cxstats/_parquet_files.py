"""Parquet sources named by path: a file, a folder (its Parquet files, recursively), a glob
pattern, or a list of these -> the files, in a stable order. One resolver for every reader of
Parquet (``cxstats.moments`` and the transaction summaries), so a path means the same to each
and a wrong one gets the same message."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

__all__ = ["PARQUET_SUFFIXES", "parquet_files"]

PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")


def parquet_files(source: Any, *, where: str, error: type[Exception]) -> list[str]:
    """The Parquet files ``source`` names; ``error`` (a CxStatsError subclass) names ``where``
    and the path when a pattern matches nothing, a folder holds no Parquet file or a path does
    not exist."""
    parts = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    out: list[str] = []
    for part in parts:
        text = os.fspath(part)
        if any(ch in text for ch in "*?["):
            found = sorted(glob.glob(text, recursive=True))
            if not found:
                raise error(f"{where}: no file matches '{text}'. Check the folder and the pattern "
                            "(e.g. 'sales/*.parquet').")
            out.extend(found)
        elif Path(text).is_dir():
            found = sorted(str(p) for p in Path(text).rglob("*") if p.suffix in PARQUET_SUFFIXES and p.is_file())
            if not found:
                raise error(f"{where}: the folder '{text}' holds no Parquet file (*.parquet, *.parq, *.pq).")
            out.extend(found)
        elif Path(text).is_file():
            out.append(text)
        else:
            raise error(f"{where}: there is no file or folder '{text}'. Check the path, or pass a pandas "
                        "DataFrame.")
    return out
