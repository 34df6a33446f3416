"""Write data/cdnow_transactions.csv from the CDNOW 1/10 sample shipped in `lifetimes`.

Usage (from the repository root)::

    pip download --no-deps lifetimes==0.11.3 -d /tmp/lt && unzip -o /tmp/lt/*.whl -d /tmp/lt
    python data/scripts/export_cdnow.py /tmp/lt/lifetimes/datasets/CDNOW_sample.txt

The source file has five whitespace-separated columns: the customer's id in the full
CDNOW master file, the customer's id in the sample (1..2357), the date (yyyymmdd), the
number of CDs bought and the amount in US dollars. We keep the sample id.
"""

import sys

import pandas as pd


def main(path: str) -> None:
    raw = pd.read_csv(path, sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"])
    out = pd.DataFrame({
        "customer_id": raw["customer_id"],
        "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d").dt.strftime("%Y-%m-%d"),
        "cds": raw["cds"],
        "amount": raw["amount"],
    })
    out.to_csv("data/cdnow_transactions.csv", index=False)
    print(f"wrote {len(out)} transactions of {out['customer_id'].nunique()} customers")


if __name__ == "__main__":
    main(sys.argv[1])
