# Reference case: robust ML (estimator = "MLR") beyond lavaan_mlr.R, for the
# private MLR layer (cxstats.sem._robust): a linear `==` constraint (sandwich
# and scaled test in the constrained space), two groups sharing one parameter
# vector (configural and metric invariance by school), observed exogenous
# covariates kept fixed at their sample moments (fixed.x = TRUE, sem()'s default),
# and the Satorra-Bentler (2001) scaled chi-square difference test of lavTestLRT().
# Run from tests/reference/:  Rscript lavaan_mlr_extra.R  ->  lavaan_mlr_extra.json
# (also works from the repository root: Rscript tests/reference/lavaan_mlr_extra.R)
if (!file.exists("reference_helpers.R") &&
    file.exists("tests/reference/reference_helpers.R")) setwd("tests/reference")
source("reference_helpers.R")

hs_file <- "tests/reference/data/holzinger_swineford.csv"
hs <- read.csv("data/holzinger_swineford.csv", na.strings = "")
xs <- paste0("x", 1:9)
stopifnot(max(abs(as.matrix(hs[xs]) -
                  as.matrix(HolzingerSwineford1939[xs]))) < 1e-12)

# fit_record_full() (every parTable row with `free`, `plabel`, est, se; all fit
# measures; the tests with the Yuan-Bentler traces) plus the sandwich vcov of
# all free parameters (`free` order; singular under `==` constraints).
record <- function(fit, call, model) {
  rec <- fit_record_full(fit, call, model, hs_file)
  rec$vcov <- matrix_json(lavInspect(fit, "vcov"))
  rec
}

model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
# The same CFA with two loadings of different factors constrained equal by `==`.
model_eq <- "
visual  =~ x1 + a*x2 + x3
textual =~ x4 + x5 + b*x6
speed   =~ x7 + x8 + x9
a == b
"
# Two factors regressed on observed covariates (sex, ageyr): fixed.x = TRUE. The
# residual covariance of the factors is written out (lavaan adds it by default).
model_x <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual  ~ sex + ageyr
textual ~ sex + ageyr
visual ~~ textual
"
fit <- cfa(model, data = hs, estimator = "MLR")
fit_x <- sem(model_x, data = hs, estimator = "MLR")
stopifnot(lavInspect(fit_x, "options")$fixed.x)
fit_eq <- cfa(model_eq, data = hs, estimator = "MLR")
fit_config <- cfa(model, data = hs, group = "school", estimator = "MLR")
fit_metric <- cfa(model, data = hs, group = "school", estimator = "MLR",
                  group.equal = "loadings")

out <- c(reference_header("lavaan_mlr_extra"), list(
  fits = list(
    equality = record(fit_eq, 'cfa(model_eq, data = hs, estimator = "MLR")',
                      model_eq),
    covariates = record(fit_x, 'sem(model_x, data = hs, estimator = "MLR")',
                        model_x),
    configural = record(fit_config,
      'cfa(model, data = hs, group = "school", estimator = "MLR")', model),
    metric = record(fit_metric,
      'cfa(model, data = hs, group = "school", estimator = "MLR", group.equal = "loadings")',
      model)),
  # Satorra-Bentler (2001) scaled difference: lavTestLRT's default for MLR.
  lrt = list(
    equality = c(list(call = "lavTestLRT(fit, fit_eq)"),
                 lrt_json(lavTestLRT(fit, fit_eq))),
    metric = c(list(call = "lavTestLRT(fit_config, fit_metric)"),
               lrt_json(lavTestLRT(fit_config, fit_metric))))))
write_reference(out, "lavaan_mlr_extra.json")

# Spot checks.
print(lavTestLRT(fit, fit_eq))
print(lavTestLRT(fit_config, fit_metric))
