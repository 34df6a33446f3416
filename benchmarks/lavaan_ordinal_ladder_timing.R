# lavaan timings for benchmarks/bench_ordinal_ladder.py, printed to stdout as one line of JSON.
# Usage: Rscript benchmarks/lavaan_ordinal_ladder_timing.R spec.json
# spec.json: {"repeats": 5, "data": "/abs/x.csv", "model": ..., "group": ..., "parameterizations": [...]}
# Per parameterization: the semTools 0.5.6 measEq.syntax models of Wu & Estabrook (2016)
# (written outside the timing, in a warm-up run, which favours lavaan), then, timed: each step
# fitted by cfa(..., estimator = "WLSMV"), its fitMeasures, and lavTestLRT against the previous
# step; where a step is rejected (p < .05), the search cxstats makes: score tests of the
# step's equalities (lavTestScore for thresholds and loadings, modindices for intercepts and
# residual variances), the model freeing the largest one (group.partial), its fitMeasures and
# lavTestLRT, until the step holds or no test is significant; the later steps keep what was
# freed. Median of `repeats`.
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

spec <- fromJSON(commandArgs(trailingOnly = TRUE)[[1]], simplifyVector = FALSE)
d <- read.csv(spec$data)
items <- setdiff(names(d), spec$group)
steps <- list(configural = "", thresholds = "thresholds", metric = c("thresholds", "loadings"),
              scalar = c("thresholds", "loadings", "intercepts"),
              strict = c("thresholds", "loadings", "intercepts", "residuals"))
added <- list(thresholds = "|", metric = "=~", scalar = "~1", strict = "~~")
elapsed <- function(expr) system.time(expr)[["elapsed"]]
cache <- new.env()
syntax_of <- function(pz, eq, partial) {  # measEq.syntax once per model (the warm-up run writes them)
  key <- paste(pz, paste(eq, collapse = "+"), paste(partial, collapse = "+"))
  if (is.null(cache[[key]])) {
    cache[[key]] <- as.character(measEq.syntax(
      spec$model, data = d, ordered = items, group = spec$group, ID.fac = "std.lv",
      ID.cat = "Wu.Estabrook.2016", parameterization = pz, group.equal = eq,
      group.partial = if (length(partial)) partial else ""))
  }
  cache[[key]]
}
largest <- function(fit, op) {  # the step's largest score test: c(parameter, p)
  if (op %in% c("|", "=~")) {
    sc <- suppressWarnings(lavTestScore(fit))$uni
    pt <- parTable(fit)
    a <- match(sc$lhs, pt$plabel)
    keep <- pt$op[a] == op
    if (!any(keep)) return(NULL)
    k <- which(keep)[which.max(sc$X2[keep])]
    return(c(paste0(pt$lhs[a[k]], op, pt$rhs[a[k]]), sc$p.value[k]))
  }
  mi <- modindices(fit, free.remove = FALSE, sort. = FALSE, minimum.value = -Inf)
  mi <- mi[mi$group > 1 & mi$lhs %in% items & mi$op == op & (op == "~1" | mi$lhs == mi$rhs), ]
  if (nrow(mi) == 0) return(NULL)
  k <- which.max(mi$mi)
  c(if (op == "~1") paste0(mi$lhs[k], "~1") else paste0(mi$lhs[k], "~~", mi$rhs[k]), 1 - pchisq(mi$mi[k], 1))
}
out <- list(lavaan = as.character(packageVersion("lavaan")), semtools = as.character(packageVersion("semTools")))
for (pz in unlist(spec$parameterizations)) {
  use <- if (pz == "delta") names(steps)[1:4] else names(steps)
  run <- function() {
    fit_of <- function(level, freed) cfa(syntax_of(pz, steps[[level]], freed), data = d, ordered = items,
                                         group = spec$group, parameterization = pz, estimator = "WLSMV")
    freed <- character(0)
    previous <- NULL
    for (level in use) {
      fit <- fit_of(level, freed)
      fitMeasures(fit)
      if (!is.null(previous)) {
        p <- lavTestLRT(previous, fit)[2, "Pr(>Chisq)"]
        while (p < 0.05) {
          top <- largest(fit, added[[level]])
          if (is.null(top) || as.numeric(top[2]) >= 0.05) break
          freed <- c(freed, top[1])
          fit <- fit_of(level, freed)
          fitMeasures(fit)
          p <- lavTestLRT(previous, fit)[2, "Pr(>Chisq)"]
        }
      }
      previous <- fit
    }
  }
  run()
  out[[pz]] <- median(replicate(spec$repeats, elapsed(run())))
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA), "\n")
