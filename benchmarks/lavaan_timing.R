# lavaan timings for benchmarks/bench_sem.py, printed to stdout as one line of JSON.
# Usage: Rscript benchmarks/lavaan_timing.R spec.json
# spec.json (written by bench_sem.py, so the models and data are the same in both):
#   {"repeats": 15, "warmup": 2,
#    "fits": [{"case": ..., "model": ..., "data": "/abs/path.csv"}, ...],
#    "bootstrap": {"case": ..., "model": ..., "data": ..., "draws": 1000, "seed": 1}}
# Single fits: median elapsed time of `repeats` calls of sem() after `warmup` calls.
# Bootstrap: one call of sem(..., se = "bootstrap"), timed once.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

spec <- fromJSON(commandArgs(trailingOnly = TRUE)[[1]], simplifyVector = FALSE)
elapsed <- function(expr) system.time(expr)[["elapsed"]]

fits <- list()
for (case in spec$fits) {
  data <- read.csv(case$data)
  for (i in seq_len(spec$warmup)) sem(case$model, data = data)
  times <- replicate(spec$repeats, elapsed(sem(case$model, data = data)))
  fits[[case$case]] <- median(times)
}

boot <- spec$bootstrap
data <- read.csv(boot$data)
set.seed(boot$seed)
boot_seconds <- elapsed(
  fit <- suppressWarnings(sem(boot$model, data = data, se = "bootstrap", bootstrap = boot$draws))
)
pe <- parameterEstimates(fit)

cat(toJSON(list(
  lavaan = as.character(packageVersion("lavaan")),
  fits = fits,
  bootstrap = boot_seconds,
  se_indirect = pe$se[pe$lhs == "indirect" & pe$op == ":="]
), auto_unbox = TRUE, digits = NA), "\n")
