# lavaan timings for benchmarks/bench_wlsmv.py, printed to stdout as one line of JSON.
# Usage: Rscript benchmarks/lavaan_wlsmv_timing.R spec.json
# spec.json: {"repeats": 7, "cases": [{"name": ..., "data": "/abs/x.csv", "model": ...}, ...]}
# Each case: cfa(model, data, ordered = TRUE) (WLSMV, delta) with fitMeasures and
# parameterEstimates, median of `repeats`.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

spec <- fromJSON(commandArgs(trailingOnly = TRUE)[[1]], simplifyVector = FALSE)
elapsed <- function(expr) system.time(expr)[["elapsed"]]
out <- list(lavaan = as.character(packageVersion("lavaan")))
for (case in spec$cases) {
  d <- read.csv(case$data)
  run <- function() {
    f <- cfa(case$model, data = d, ordered = TRUE)
    fitMeasures(f)
    parameterEstimates(f)
  }
  run()
  out[[case$name]] <- median(replicate(spec$repeats, elapsed(run())))
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA), "\n")
