# lavaan timings for benchmarks/bench_ordinal_ladder.py, printed to stdout as one line of JSON.
# Usage: Rscript benchmarks/lavaan_ordinal_ladder_timing.R spec.json
# spec.json: {"repeats": 5, "data": "/abs/x.csv", "model": ..., "group": ..., "parameterizations": [...]}
# Per parameterization: the semTools 0.5.6 measEq.syntax models of Wu & Estabrook (2016)
# (written once, outside the timing, which favours lavaan), then, timed: each step fitted by
# cfa(..., estimator = "WLSMV"), its fitMeasures, and lavTestLRT against the previous step;
# median of `repeats`.
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

spec <- fromJSON(commandArgs(trailingOnly = TRUE)[[1]], simplifyVector = FALSE)
d <- read.csv(spec$data)
items <- setdiff(names(d), spec$group)
steps <- list("", "thresholds", c("thresholds", "loadings"), c("thresholds", "loadings", "intercepts"),
              c("thresholds", "loadings", "intercepts", "residuals"))
elapsed <- function(expr) system.time(expr)[["elapsed"]]
out <- list(lavaan = as.character(packageVersion("lavaan")), semtools = as.character(packageVersion("semTools")))
for (pz in unlist(spec$parameterizations)) {
  use <- if (pz == "delta") steps[1:4] else steps
  syntax <- lapply(use, function(eq) as.character(measEq.syntax(
    spec$model, data = d, ordered = items, group = spec$group, ID.fac = "std.lv",
    ID.cat = "Wu.Estabrook.2016", parameterization = pz, group.equal = eq)))
  run <- function() {
    fits <- list()
    for (k in seq_along(syntax)) {
      fits[[k]] <- cfa(syntax[[k]], data = d, ordered = items, group = spec$group, parameterization = pz,
                       estimator = "WLSMV")
      fitMeasures(fits[[k]])
      if (k > 1) lavTestLRT(fits[[k - 1]], fits[[k]])
    }
  }
  run()
  out[[pz]] <- median(replicate(spec$repeats, elapsed(run())))
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA), "\n")
