# Reference case: lavaan's Gamma (the asymptotic covariance matrix of the sample means
# and vech of the sample covariance matrix, lavInspect(fit, "gamma")) with a mean
# structure, for the Holzinger-Swineford 3-factor CFA, one group and by school.
# cxstats.moments(..., fourth=True).gamma(g) must reproduce it.
# Run from tests/reference/:  Rscript lavaan_gamma.R  ->  lavaan_gamma.json
if (!file.exists("reference_helpers.R") &&
    file.exists("tests/reference/reference_helpers.R")) setwd("tests/reference")
source("reference_helpers.R")

hs <- read.csv("data/holzinger_swineford.csv", na.strings = "")
model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

one <- cfa(model, data = hs, estimator = "MLR", meanstructure = TRUE)
two <- cfa(model, data = hs, estimator = "MLR", meanstructure = TRUE, group = "school")
g2 <- lavInspect(two, "gamma")

write_reference(list(
  lavaan_version = LAVAAN_VERSION,
  r_version = R_VERSION,
  data_file = "tests/reference/data/holzinger_swineford.csv",
  call = 'cfa(model, data = hs, estimator = "MLR", meanstructure = TRUE[, group = "school"]); lavInspect(fit, "gamma")',
  items = I(paste0("x", 1:9)),
  nobs = lavInspect(one, "nobs"),
  gamma = matrix_json(lavInspect(one, "gamma")),
  groups = I(names(g2)),
  group_nobs = as.list(setNames(lavInspect(two, "nobs"), names(g2))),
  group_gamma = lapply(g2, matrix_json)
), "lavaan_gamma.json")
