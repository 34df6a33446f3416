# Reference case: the ordinal invariance ladder of Wu & Estabrook (2016) with binary items, as
# semTools writes it (semTools 0.5.6 measEq.syntax, lavaan 0.6.14). Run from tests/reference/:
#   Rscript semtools_ordinal_ladder_binary.R  ->  semtools_ordinal_ladder_binary.json,
#                                                 data/hs_binary_groups.csv, data/hs_mixed_groups.csv
#
# Data: HolzingerSwineford1939 x1-x9 by school (n = 301), two cases:
#   binary: every item cut in two at a fixed quantile of the whole sample (x > quantile(x, q),
#           q = .40 .60 .50 .35 .60 .45 .55 .40 .60): 0/1 answers;
#   mixed:  x1-x3 cut in two as above, x4-x9 cut into 4 categories at their quartiles (as
#           lavaan_wlsmv.R): binary and 4-category items in one model.
# Model: visual, textual, speed (3 items each). For parameterization "delta" and "theta":
# measEq.syntax(model, data, ordered = x1-x9, group = "school", ID.fac = "std.lv",
# ID.cat = "Wu.Estabrook.2016", parameterization = ..., group.equal = ...) at each step
# (configural; thresholds; + loadings; + intercepts; and, under theta, + residuals), each
# fitted by cfa(..., estimator = "WLSMV"). Per step: the syntax, parameterEstimates
# (remove.nonfree = FALSE), fitMeasures, and lavTestLRT against EVERY earlier step ("lrt",
# named by the earlier step): with binary items semTools' "intercepts" model frees the
# binary items' scale factors (delta) / residual variances (theta) that its "loadings" model
# fixes, so the two are not nested, and the tests use the nested pairs.
suppressPackageStartupMessages({
  library(jsonlite)
  library(lavaan)
  library(semTools)
})

hs <- HolzingerSwineford1939
items <- paste0("x", 1:9)
q <- c(.40, .60, .50, .35, .60, .45, .55, .40, .60)
binary <- data.frame(mapply(function(x, p) as.integer(x > quantile(x, p)), hs[items], q))
cut4 <- function(x) cut(x, breaks = unique(quantile(x)), include.lowest = TRUE, labels = FALSE)
mixed <- binary
mixed[paste0("x", 4:9)] <- lapply(hs[paste0("x", 4:9)], cut4)
binary$school <- mixed$school <- as.character(hs$school)
write.csv(binary, "data/hs_binary_groups.csv", row.names = FALSE)
write.csv(mixed, "data/hs_mixed_groups.csv", row.names = FALSE)

model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
steps <- list(configural = "", thresholds = "thresholds",
              loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"),
              residuals = c("thresholds", "loadings", "intercepts", "residuals"))
keep <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
          "chisq.scaling.factor", "chisq.shift.parameter", "cfi", "cfi.scaled", "tli.scaled",
          "rmsea", "rmsea.scaled", "srmr", "baseline.chisq.scaled")

out <- list(lavaan = as.character(packageVersion("lavaan")),
            semtools = as.character(packageVersion("semTools")),
            model = model, items = items, group = "school", groups = unique(binary$school),
            cases = list())
for (case in c("binary", "mixed")) {
  d <- if (case == "binary") binary else mixed
  ladders <- list()
  for (pz in c("delta", "theta")) {
    names_here <- if (pz == "delta") names(steps)[1:4] else names(steps)
    fits <- list()
    rec <- list()
    for (step in names_here) {
      syntax <- measEq.syntax(model, data = d, ordered = items, group = "school", ID.fac = "std.lv",
                              ID.cat = "Wu.Estabrook.2016", parameterization = pz,
                              group.equal = steps[[step]])
      fit <- cfa(as.character(syntax), data = d, ordered = items, group = "school",
                 parameterization = pz, estimator = "WLSMV")
      stopifnot(lavInspect(fit, "converged"))
      pe <- parameterEstimates(fit, remove.nonfree = FALSE)
      r <- list(syntax = as.character(syntax),
                group_equal = steps[[step]],
                partable = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group,
                                      est = pe$est, se = pe$se),
                fit = as.list(fitMeasures(fit, keep)), lrt = list())
      for (earlier in names(fits)) {
        a <- suppressWarnings(lavTestLRT(fits[[earlier]], fit))
        r$lrt[[earlier]] <- list(chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"],
                                 p_value = a[2, "Pr(>Chisq)"])
      }
      fits[[step]] <- fit
      rec[[step]] <- r
    }
    ladders[[pz]] <- rec
  }
  out$cases[[case]] <- list(data = paste0("data/hs_", case, "_groups.csv"), ladders = ladders)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "semtools_ordinal_ladder_binary.json")
