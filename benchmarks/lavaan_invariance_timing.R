# lavaan timings for benchmarks/bench_invariance.py, printed to stdout as one line of JSON.
# Usage: Rscript benchmarks/lavaan_invariance_timing.R spec.json
# spec.json: {"repeats": 7, "model": ..., "ladder_data": "/abs/hs.csv", "group": "school",
#             "fiml_data": "/abs/hs_mcar.csv",
#             optional: "panel_data": "/abs/panel.csv", "panel_model": ..., "panel_group": "country"}
# Ladder: the four cfa() fits configural, metric, scalar, strict plus lavTestLRT, timed
# together (median of `repeats`). FIML: one cfa(..., missing = "ml") (median of `repeats`).
# Panel (when given): the same ladder of panel_model by panel_group with estimator "ML" and
# with "MLR" (lavTestLRT then uses the Satorra-Bentler 2001 difference), median of `repeats`.
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

panel_ladder <- function(data, estimator) {
  fits <- lapply(list("", "loadings", c("loadings", "intercepts"),
                      c("loadings", "intercepts", "residuals")), function(equal)
    cfa(spec$panel_model, data = data, group = spec$panel_group, group.equal = equal, estimator = estimator))
  do.call(lavTestLRT, fits)
}

for (i in 1:2) { ladder(); fiml() }
out <- list(
  lavaan = as.character(packageVersion("lavaan")),
  ladder = median(replicate(spec$repeats, elapsed(ladder()))),
  fiml = median(replicate(spec$repeats, elapsed(fiml())))
)
if (!is.null(spec$panel_data)) {
  panel <- read.csv(spec$panel_data)
  panel_ladder(panel, "ML"); panel_ladder(panel, "MLR")
  out$panel_ml <- median(replicate(spec$repeats, elapsed(panel_ladder(panel, "ML"))))
  out$panel_mlr <- median(replicate(spec$repeats, elapsed(panel_ladder(panel, "MLR"))))
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA), "\n")
