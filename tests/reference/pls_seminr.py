"""Reference numbers for cxstats.pls from PyPI seminr 0.2.1 (a Python port that reproduces R seminr).

Run once from the repository root with seminr installed (``pip install seminr==0.2.1``, the
``bench`` extra):

    .venv/bin/python tests/reference/pls_seminr.py

It writes tests/reference/pls_seminr.json. Every fit uses the data as cxstats.load_dataset
returns them (missing codes already NaN) and the same models the tests write in lavaan
syntax, so construct names agree. cxstats is used only to load the data.

PLSpredict ("predict"): seminr's ``predict_pls`` with the earliest-antecedents technique
(``predict_EA``, whose LM benchmark regresses on all exogenous indicators), 10 folds and
``seed``; its shuffle is ``numpy.random.default_rng(seed).permutation(n)``, the one
``cxstats.pls.predict(seed=...)`` draws for its first repetition.

PLS-MGA ("mga"): seminr's ``estimate_pls_mga`` of the corporate-reputation model, prepaid
(servicetype 1) against contract (2) customers. The resamples are passed in explicitly: group
g's are ``default_rng(s_g).integers(0, n_g, (draws, n_g))`` with ``s_1, s_2`` the first two
numbers of ``numpy.random.SeedSequence(seed).generate_state(3)``, which is how
``cxstats.pls.multigroup(seed=...)`` seeds the two groups' bootstraps.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

import cxstats

# seminr is imported where it is used, so that collecting this folder (pytest's
# --doctest-modules) and importing its helpers (benchmarks/bench_pls.py) work without it

OUT = Path(__file__).resolve().with_suffix(".json")
BOOT_SEED, BOOT_DRAWS, BOOT_CORES = 20240611, 1000, 2
PREDICT_SEED, PREDICT_FOLDS, PREDICT_ROWS = 20240612, 10, 10
MGA_SEED, MGA_DRAWS = 20240613, 1000

ECSI_BLOCKS = {"IMAG": [f"IMAG{i}" for i in range(1, 6)], "CUEX": [f"CUEX{i}" for i in range(1, 4)],
               "PERQ": [f"PERQ{i}" for i in range(1, 8)], "PERV": ["PERV1", "PERV2"],
               "CUSA": [f"CUSA{i}" for i in range(1, 4)], "CUSL": [f"CUSL{i}" for i in range(1, 4)]}
ECSI_PATHS = [("CUEX", ["IMAG"]), ("PERQ", ["CUEX"]), ("PERV", ["CUEX", "PERQ"]),
              ("CUSA", ["IMAG", "CUEX", "PERQ", "PERV"]), ("CUSCO", ["CUSA"]), ("CUSL", ["IMAG", "CUSA", "CUSCO"])]
CORP_BLOCKS = {"QUAL": [f"qual_{i}" for i in range(1, 9)], "PERF": [f"perf_{i}" for i in range(1, 6)],
               "CSOR": [f"csor_{i}" for i in range(1, 6)], "ATTR": [f"attr_{i}" for i in range(1, 4)],
               "COMP": [f"comp_{i}" for i in range(1, 4)], "LIKE": [f"like_{i}" for i in range(1, 4)],
               "CUSA": ["cusa"], "CUSL": [f"cusl_{i}" for i in range(1, 4)]}
CORP_FORMATIVE = ("QUAL", "PERF", "CSOR", "ATTR")
CORP_PATHS = [("COMP", ["QUAL", "PERF", "CSOR", "ATTR"]), ("LIKE", ["QUAL", "PERF", "CSOR", "ATTR"]),
              ("CUSA", ["COMP", "LIKE"]), ("CUSL", ["COMP", "LIKE", "CUSA"])]


def lavaan_text(blocks: dict, paths: list, formative: tuple = (), single: tuple = ()) -> str:
    lines = [f"{c} {'<~' if c in formative else '=~'} {' + '.join(items)}" for c, items in blocks.items()
             if c not in single]
    lines += [f"{outcome} ~ {' + '.join(predictors)}" for outcome, predictors in paths]
    return "\n".join(lines) + "\n"


def seminr_model(blocks: dict, paths: list, *, formative=(), reflective=False, single=()):
    import seminr

    specs = []
    for construct, items in {**blocks, **{s: [s] for s in single}}.items():
        if construct in formative:
            specs.append(seminr.composite(construct, items, weights=seminr.mode_B))
        elif reflective:
            specs.append(seminr.reflective(construct, items))
        else:
            specs.append(seminr.composite(construct, items))
    sm = seminr.relationships(*[seminr.paths(predictors, outcome) for outcome, predictors in paths])
    return seminr.constructs(*specs), sm


def matrix(nm, *, skip_zero: bool = False) -> list[dict]:
    """A seminr NamedMatrix as records {row, col, value}."""
    return [{"row": r, "col": c, "value": float(nm.values[i, j])}
            for i, r in enumerate(nm.rows) for j, c in enumerate(nm.cols)
            if not (skip_zero and nm.values[i, j] == 0) and not np.isnan(nm.values[i, j])]


def record(model, text: str, dataset: str, options: dict) -> dict:
    import seminr
    from seminr.evaluate.summarize_pls import summarize_pls

    summary = summarize_pls(model)
    return {
        "model": text, "dataset": dataset, "options": options, "iterations": int(model.iterations),
        "nobs": int(model.data.values.shape[0]),
        "loadings": matrix(model.outer_loadings, skip_zero=True),
        "weights": matrix(model.outer_weights, skip_zero=True),
        "paths": matrix(model.path_coef, skip_zero=True),  # row = predictor, col = outcome
        "r2": matrix(model.r_squared),  # row Rsq / AdjRsq, col = outcome
        "reliability": matrix(summary.reliability),  # cols alpha, rhoA, rhoC, AVE
        "htmt": matrix(seminr.htmt(model)),  # upper triangle: row before col in construct order
        "total_effects": matrix(summary.total_effects, skip_zero=True),
        "total_indirect_effects": matrix(summary.total_indirect_effects, skip_zero=True),
        "f2": matrix(summary.f_square, skip_zero=True),  # row = predictor, col = outcome (all pairs)
        "fornell_larcker": matrix(summary.validity.fl_criteria),
        "cross_loadings": matrix(summary.validity.cross_loadings),
        "item_vif": [{"construct": c, "item": i, "value": v} for c, d in summary.validity.vif_items.items()
                     for i, v in d.items()],
        "inner_vif": [{"outcome": o, "predictor": p, "value": v} for o, d in summary.vif_antecedents.items()
                      for p, v in d.items() if not np.isnan(v)],
        "scores_first_rows": model.construct_scores.values[:5].tolist(),
        "constructs": list(model.constructs),
    }


def predict_record(model, fit: str) -> dict:
    """PLSpredict of one fitted model: per-item out-of-sample RMSE and MAE of the PLS and LM
    predictions, and the first rows of both predictions."""
    from seminr.predict.metrics import item_metrics
    from seminr.predict.predict_pls import predict_pls
    from seminr.predict.techniques import predict_EA

    prediction = predict_pls(model, technique=predict_EA, no_folds=PREDICT_FOLDS, seed=PREDICT_SEED)
    metrics = item_metrics(prediction)
    items = prediction.items
    return {
        "fit": fit, "folds": PREDICT_FOLDS, "seed": PREDICT_SEED, "technique": "predict_EA",
        "pls_out_of_sample": matrix(metrics.pls_out_of_sample),  # row RMSE / MAE, col = indicator
        "lm_out_of_sample": matrix(metrics.lm_out_of_sample),
        "indicators": list(items.pls_out_of_sample.cols),
        "pls_first_rows": items.pls_out_of_sample.values[:PREDICT_ROWS].tolist(),
        "lm_first_rows": items.lm_out_of_sample.values[:PREDICT_ROWS].tolist(),
    }


def mga_record(model, data) -> dict:
    """PLS-MGA of prepaid (servicetype 1) against contract (2) customers with the resamples
    cxstats draws for MGA_SEED."""
    import seminr

    condition = (data["servicetype"] == 1).to_numpy()
    sizes = int(condition.sum()), int((~condition).sum())
    seeds = np.random.SeedSequence(MGA_SEED).generate_state(3)
    indices = [np.random.default_rng(int(s)).integers(0, n, size=(MGA_DRAWS, n)) for s, n in zip(seeds, sizes)]
    start = time.perf_counter()
    rows = seminr.estimate_pls_mga(model, condition, nboot=MGA_DRAWS, group1_indices=indices[0],
                                   group2_indices=indices[1], cores=BOOT_CORES)
    seconds = time.perf_counter() - start
    return {
        "fit": "corp_rep_mean", "group": "servicetype", "groups": [1, 2], "sizes": list(sizes), "draws": MGA_DRAWS,
        "seed": MGA_SEED, "seconds": seconds,
        "paths": [{"predictor": r.source, "outcome": r.target, "estimate": r.estimate, "group1_beta": r.group1_beta,
                   "group2_beta": r.group2_beta, "diff": r.diff, "group1_beta_mean": r.group1_beta_mean,
                   "group2_beta_mean": r.group2_beta_mean, "pls_mga_p": r.pls_mga_p} for r in rows],
    }


def main() -> None:
    import seminr

    mobi = cxstats.load_dataset("ecsi_mobile").data
    corp = cxstats.load_dataset("corporate_reputation").data
    fits = {}
    cases = {
        "ecsi": (ECSI_BLOCKS, ECSI_PATHS, mobi, "ecsi_mobile", {}, {"scheme": "path"}),
        "ecsi_plsc": (ECSI_BLOCKS, ECSI_PATHS, mobi, "ecsi_mobile", {"reflective": True},
                      {"scheme": "path", "consistent": True}),
        "ecsi_factorial": (ECSI_BLOCKS, ECSI_PATHS, mobi, "ecsi_mobile", {"inner": seminr.path_factorial},
                           {"scheme": "factorial"}),
        "ecsi_image_formative": (ECSI_BLOCKS, ECSI_PATHS, mobi, "ecsi_mobile", {"formative": ("IMAG",)},
                                 {"scheme": "path"}),
        "corp_rep_mean": (CORP_BLOCKS, CORP_PATHS, corp, "corporate_reputation", {"formative": CORP_FORMATIVE},
                          {"scheme": "path", "missing": "mean"}),
        "corp_rep_listwise": (CORP_BLOCKS, CORP_PATHS, corp, "corporate_reputation",
                              {"formative": CORP_FORMATIVE, "missing": seminr.na_omit},
                              {"scheme": "path", "missing": "listwise"}),
    }
    models = {}
    for name, (blocks, paths, data, dataset, how, options) in cases.items():
        formative = how.get("formative", ())
        single = ("CUSCO",) if dataset == "ecsi_mobile" else ()
        mm, sm = seminr_model(blocks, paths, formative=formative, reflective=how.get("reflective", False),
                              single=single)
        kwargs = {"inner_weights": how.get("inner", seminr.path_weighting)}
        if "missing" in how:
            kwargs["missing"] = how["missing"]
        model = seminr.estimate_pls(data, mm, sm, **kwargs)
        models[name] = model
        fits[name] = record(model, lavaan_text(blocks, paths, formative), dataset, options)
        print(f"{name}: {model.iterations} iterations")

    start = time.perf_counter()
    boot = seminr.bootstrap_model(models["ecsi"], BOOT_DRAWS, seed=BOOT_SEED, cores=BOOT_CORES)
    seconds = time.perf_counter() - start

    def boot_sd(estimate, replications) -> list[dict]:
        stack = np.array([r.values for r in replications])
        sd = stack.std(axis=0, ddof=1)
        return [{"row": r, "col": c, "estimate": float(estimate.values[i, j]), "boot_mean": float(stack[:, i, j].mean()),
                 "boot_sd": float(sd[i, j]), "ci_low": float(np.quantile(stack[:, i, j], 0.025)),
                 "ci_high": float(np.quantile(stack[:, i, j], 0.975))}
                for i, r in enumerate(estimate.rows) for j, c in enumerate(estimate.cols) if estimate.values[i, j] != 0]

    model = models["ecsi"]
    bootstrap = {
        "fit": "ecsi", "draws": BOOT_DRAWS, "kept": boot.boots, "failed": boot.fails, "seed": BOOT_SEED,
        "cores": BOOT_CORES, "seconds": seconds,
        "paths": boot_sd(model.path_coef, boot.boot_paths),
        "loadings": boot_sd(model.outer_loadings, boot.boot_loadings),
        "weights": boot_sd(model.outer_weights, boot.boot_weights),
        "total_effects": boot_sd(seminr.total_effects(model.path_coef), boot.boot_total_paths),
    }
    print(f"bootstrap: {BOOT_DRAWS} draws in {seconds:.1f} s ({BOOT_CORES} cores)")
    predict = {name: predict_record(models[name], name) for name in ("ecsi", "corp_rep_mean")}
    mga = mga_record(models["corp_rep_mean"], corp)
    print(f"PLS-MGA: {MGA_DRAWS} draws per group in {mga['seconds']:.1f} s")
    OUT.write_text(json.dumps({
        "case": "pls_seminr", "script": "tests/reference/pls_seminr.py", "seminr_version": seminr.__version__,
        "python_version": sys.version.split()[0], "numpy_version": np.__version__,
        "generated_on": dt.date.today().isoformat(), "machine": platform.machine(),
        "fits": fits, "bootstrap": bootstrap, "predict": predict, "mga": mga,
    }, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
