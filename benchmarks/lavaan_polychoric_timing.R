# lavaan timing for benchmarks/bench_polychoric.py, printed to stdout as one line of JSON.
# Usage: Rscript benchmarks/lavaan_polychoric_timing.R spec.json
# spec.json: {"repeats": 3, "data": "/abs/items.csv"}
# Times lavCor(d, ordered = names(d)): the polychoric matrix (two-step: thresholds, then each
# pair by ML), lavCor's default output (no standard errors). Median of `repeats` after 1 warm-up.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

spec <- fromJSON(commandArgs(trailingOnly = TRUE)[[1]], simplifyVector = FALSE)
elapsed <- function(expr) system.time(expr)[["elapsed"]]
d <- read.csv(spec$data)
run <- function() lavCor(d, ordered = names(d))
r <- run()
cat(toJSON(list(
  lavaan = as.character(packageVersion("lavaan")),
  seconds = median(replicate(spec$repeats, elapsed(run()))),
  cor = unname(unclass(r))), digits = NA, auto_unbox = TRUE), "\n")
