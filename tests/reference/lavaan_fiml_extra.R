# Reference case: FIML (missing = "ml") with robust ML (estimator = "MLR") in
# two groups, beyond lavaan_fiml.R, for the private FIML layer
# (cxstats.sem._fiml): the configural and the metric (group.equal = "loadings",
# `==` constraints) HS CFA by school on data/hs_mcar.csv (written by
# lavaan_fiml.R), and one group with two factors regressed on the complete
# covariates sex and ageyr (fixed.x = TRUE; taken from
# data/holzinger_swineford.csv by id; the two appended rows have none and are
# dropped), with every parameter, the sandwich vcov, the scaled test with its
# traces and all fit measures.
# Run from tests/reference/:  Rscript lavaan_fiml_extra.R  ->  lavaan_fiml_extra.json
# (also works from the repository root: Rscript tests/reference/lavaan_fiml_extra.R)
if (!file.exists("reference_helpers.R") &&
    file.exists("tests/reference/reference_helpers.R")) setwd("tests/reference")
source("reference_helpers.R")

data_file <- "tests/reference/data/hs_mcar.csv"
d <- read.csv("data/hs_mcar.csv", na.strings = "")
hs <- read.csv("data/holzinger_swineford.csv", na.strings = "")
d$sex <- hs$sex[match(d$id, hs$id)]
d$ageyr <- hs$ageyr[match(d$id, hs$id)]

model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"

model_x <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual  ~ sex + ageyr
textual ~ sex + ageyr
visual ~~ textual
"

record <- function(fitw, call, model = get("model", envir = globalenv())) {
  fit <- fitw$value
  rec <- fit_record_full(fit, call, model, data_file)
  rec$warnings <- fitw$warnings
  rec$vcov <- matrix_json(lavInspect(fit, "vcov"))
  h1 <- lavInspect(fit, "sampstat.h1")  # EM moments per group
  if (lavInspect(fit, "ngroups") == 1L) h1 <- list(h1)
  rec$h1 <- lapply(h1, function(g) list(mean = as.list(unclass(g$mean)),
                                        cov = matrix_json(g$cov)))
  rec
}

config <- with_warnings(cfa(model, data = d, group = "school", missing = "ml",
                            estimator = "MLR"))
metric <- with_warnings(cfa(model, data = d, group = "school", missing = "ml",
                            estimator = "MLR", group.equal = "loadings"))
covariates <- with_warnings(sem(model_x, data = d, missing = "ml",
                                estimator = "MLR"))
stopifnot(lavInspect(covariates$value, "options")$fixed.x)

out <- c(reference_header("lavaan_fiml_extra"), list(fits = list(
  configural = record(config,
    'cfa(model, data = d, group = "school", missing = "ml", estimator = "MLR")'),
  metric = record(metric,
    'cfa(model, data = d, group = "school", missing = "ml", estimator = "MLR", group.equal = "loadings")'),
  covariates = record(covariates,
    'sem(model_x, data = d, missing = "ml", estimator = "MLR")', model_x))))
write_reference(out, "lavaan_fiml_extra.json")

# Spot checks.
for (f in list(config$value, metric$value, covariates$value))
  print(fitMeasures(f, c("chisq", "df", "chisq.scaled", "chisq.scaling.factor",
                         "cfi.robust", "rmsea.robust", "srmr")))
