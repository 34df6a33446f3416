# Reference case: robust ML (estimator = "MLR": Huber-White sandwich SEs and the
# Yuan-Bentler (Mplus variant) scaled test) for the Holzinger-Swineford 3-factor
# CFA and the Political Democracy SEM, complete data.
# Run from tests/reference/:  Rscript lavaan_mlr.R  ->  lavaan_mlr.json
# (also works from the repository root: Rscript tests/reference/lavaan_mlr.R)
if (!file.exists("reference_helpers.R") &&
    file.exists("tests/reference/reference_helpers.R")) setwd("tests/reference")
source("reference_helpers.R")

# The fit measures the Python side needs; fit_measures holds all of them.
requested_measures <- c(
  "npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled",
  "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.df",
  "baseline.chisq.scaled", "baseline.df.scaled", "baseline.pvalue.scaled",
  "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
  "cfi.robust", "tli.robust", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
  "rmsea.pvalue", "rmsea.scaled", "rmsea.ci.lower.scaled",
  "rmsea.ci.upper.scaled", "rmsea.pvalue.scaled", "rmsea.robust",
  "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "rmsea.pvalue.robust",
  "srmr", "aic", "bic", "logl", "unrestricted.logl")

# fit_record() plus what a robust fit needs: the tests with their traces, the
# sandwich covariance matrix of the free parameters and U*Gamma diagnostics.
mlr_record <- function(fit, call, model, data_file) {
  rec <- fit_record(fit, call, model, data_file)
  fm <- names(fitMeasures(fit))
  rec$fit_measures_requested <- I(requested_measures)
  rec$fit_measures_not_reported <- I(setdiff(requested_measures, fm))
  rec$tests <- tests_json(fit)
  # Robust (sandwich) vcov, rows/cols named as coef(fit), i.e. `free` order.
  rec$vcov <- matrix_json(lavInspect(fit, "vcov"))
  # lavInspect(fit, "UGamma"): U * Gamma in the classic Satorra-Bentler form.
  # Its trace / df is NOT lavaan's MLR scaling factor: the Mplus-variant test
  # uses (sum(trace_h1) - sum(trace_h0)) / df (see tests$yuan.bentler.mplus).
  ug <- lavInspect(fit, "UGamma")
  ev <- Re(eigen(ug, only.values = TRUE)$values)
  rec$ugamma <- list(call = 'lavInspect(fit, "UGamma")', dim = I(dim(ug)),
                     trace = sum(diag(ug)), trace_sq = sum(diag(ug %*% ug)),
                     trace_over_df = sum(diag(ug)) / fitMeasures(fit, "df")[[1]],
                     eigenvalues = ev)
  rec
}

# --- Holzinger-Swineford 3-factor CFA ---
hs_file <- "tests/reference/data/holzinger_swineford.csv"
hs <- read.csv("data/holzinger_swineford.csv", na.strings = "")
xs <- paste0("x", 1:9)
stopifnot(max(abs(as.matrix(hs[xs]) -
                  as.matrix(HolzingerSwineford1939[xs]))) < 1e-12)
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
fit_hs <- cfa(hs_model, data = hs, estimator = "MLR")
rec_hs <- mlr_record(fit_hs, 'cfa(model, data = hs, estimator = "MLR")',
                     hs_model, hs_file)

# --- Political Democracy SEM (model of lavaan_poldem.R) ---
pd_file <- "tests/reference/data/political_democracy.csv"
pd <- read.csv("data/political_democracy.csv")
stopifnot(max(abs(as.matrix(pd) - as.matrix(PoliticalDemocracy))) < 1e-12)
pd_model <- "
# measurement model
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
# regressions
dem60 ~ ind60
dem65 ~ ind60 + dem60
# residual correlations
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"
fit_pd <- sem(pd_model, data = pd, estimator = "MLR")
rec_pd <- mlr_record(fit_pd, 'sem(model, data = pd, estimator = "MLR")',
                     pd_model, pd_file)

out <- c(reference_header("lavaan_mlr"),
         list(fits = list(hs_cfa = rec_hs, poldem = rec_pd)))
write_reference(out, "lavaan_mlr.json")

# Spot checks.
for (f in list(fit_hs, fit_pd))
  print(fitMeasures(f, c("chisq", "chisq.scaled", "chisq.scaling.factor", "df",
                         "cfi.robust", "rmsea.robust", "srmr")))
