"""Tidy pandas' HTML tables for a stakeholder report.

An unnamed integer index (0, 1, 2, ... or the row numbers left after filtering) carries no
information for a reader, so it is dropped; column headers lose their underscores
(``p_value`` -> ``p value``); missing values (``NaN``) show as empty cells. Named and
text indexes are kept.
"""

from __future__ import annotations

from bs4 import BeautifulSoup

__all__ = ["tidy_table_html"]


def tidy_table_html(fragment: str) -> str:
    """Return ``fragment`` with every pandas table tidied; other HTML passes unchanged."""
    if "<table" not in fragment:
        return fragment
    soup = BeautifulSoup(fragment, "html.parser")
    for table in soup.find_all("table"):
        body_rows = table.find("tbody").find_all("tr") if table.find("tbody") else []
        row_headers = [row.find_all("th", recursive=False) for row in body_rows]
        labels = [cells[0].get_text(strip=True) if len(cells) == 1 else None for cells in row_headers]
        if body_rows and _is_row_numbers(labels):
            for cells in row_headers:
                cells[0].decompose()
            for row in table.find("thead").find_all("tr") if table.find("thead") else []:
                first = row.find(["th", "td"])
                if first is not None and not first.get_text(strip=True):
                    first.decompose()
        for cell in table.select("tbody td"):
            if cell.get_text(strip=True) in ("NaN", "None", "<NA>"):
                cell.string = ""  # fixed parameters have no SE, z or p: leave the cell empty
        for header in table.select("thead th"):
            if header.string:
                header.string.replace_with(header.string.replace("_", " "))
    return str(soup)


def _is_row_numbers(labels: list[str | None]) -> bool:
    if any(label is None or not label.isdigit() for label in labels):
        return False
    numbers = [int(label) for label in labels]  # type: ignore[arg-type]
    return all(a < b for a, b in zip(numbers, numbers[1:], strict=False))
