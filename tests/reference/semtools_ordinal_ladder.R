# Reference case: the ordinal invariance ladder of Wu & Estabrook (2016) as semTools writes it
# (semTools 0.5.6 measEq.syntax, lavaan 0.6.14). Run from tests/reference/:
#   Rscript semtools_ordinal_ladder.R  ->  semtools_ordinal_ladder.json
#
# Data: data/hs_wlsmv_groups.csv (HolzingerSwineford1939 x1-x9 cut into 4 categories at their
# quartiles, by school; written by lavaan_wlsmv.R). Model: visual, textual, speed (3 items each).
# For parameterization "delta" and "theta": measEq.syntax(model, data, ordered = x1-x9,
# group = "school", ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", parameterization = ...,
# group.equal = ...) at each step (configural; thresholds; + loadings; + intercepts; and, under
# theta, + residuals), each fitted by cfa(..., estimator = "WLSMV"). Per step: the syntax, the
# parameter estimates (remove.nonfree = FALSE), fitMeasures, and lavTestLRT against the previous
# step (lavaan's scaled-shifted difference for WLSMV).
suppressPackageStartupMessages({
  library(jsonlite)
  library(lavaan)
  library(semTools)
})

d <- read.csv("data/hs_wlsmv_groups.csv")
items <- paste0("x", 1:9)
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
            model = model, items = items, group = "school", groups = unique(d$school),
            data = "data/hs_wlsmv_groups.csv", ladders = list())
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
    fits[[step]] <- fit
    pe <- parameterEstimates(fit, remove.nonfree = FALSE)
    r <- list(syntax = as.character(syntax),
              group_equal = steps[[step]],
              partable = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group,
                                    est = pe$est, se = pe$se),
              fit = as.list(fitMeasures(fit, keep)))
    if (length(fits) > 1) {
      a <- lavTestLRT(fits[[length(fits) - 1]], fit)
      r$lrt <- list(chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"], p_value = a[2, "Pr(>Chisq)"])
    }
    rec[[step]] <- r
  }
  out$ladders[[pz]] <- rec
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "semtools_ordinal_ladder.json")
