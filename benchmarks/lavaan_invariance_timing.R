# lavaan timings for benchmarks/bench_invariance.py, printed to stdout as one line of JSON.
# Usage: Rscript benchmarks/lavaan_invariance_timing.R spec.json
# spec.json: {"repeats": 7, "model": ..., "ladder_data": "/abs/hs.csv", "group": "school",
#             "fiml_data": "/abs/hs_mcar.csv"}
# Ladder: the four cfa() fits configural, metric, scalar, strict plus lavTestLRT, timed
# together (median of `repeats`). FIML: one cfa(..., missing = "ml") (median of `repeats`).
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

spec <- fromJSON(commandArgs(trailingOnly = TRUE)[[1]], simplifyVector = FALSE)
elapsed <- function(expr) system.time(expr)[["elapsed"]]
hs <- read.csv(spec$ladder_data)
mcar <- read.csv(spec$fiml_data)

ladder <- function() {
  configural <- cfa(spec$model, data = hs, group = spec$group)
  metric <- cfa(spec$model, data = hs, group = spec$group, group.equal = "loadings")
  scalar <- cfa(spec$model, data = hs, group = spec$group, group.equal = c("loadings", "intercepts"))
  strict <- cfa(spec$model, data = hs, group = spec$group,
                group.equal = c("loadings", "intercepts", "residuals"))
  lavTestLRT(configural, metric, scalar, strict)
}
fiml <- function() suppressWarnings(cfa(spec$model, data = mcar, missing = "ml"))

for (i in 1:2) { ladder(); fiml() }
cat(toJSON(list(
  lavaan = as.character(packageVersion("lavaan")),
  ladder = median(replicate(spec$repeats, elapsed(ladder()))),
  fiml = median(replicate(spec$repeats, elapsed(fiml())))
), auto_unbox = TRUE, digits = NA), "\n")
