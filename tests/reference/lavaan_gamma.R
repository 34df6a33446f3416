# Reference case: lavaan's Gamma, the asymptotic covariance matrix of the sample means and
# the vech of the sample covariance matrix (divisor N) that MLR builds on, for the
# Holzinger-Swineford items x1-x9: one group and two groups (school).
# Run from tests/reference/:  Rscript lavaan_gamma.R  ->  lavaan_gamma.json
if (!file.exists("reference_helpers.R") &&
    file.exists("tests/reference/reference_helpers.R")) setwd("tests/reference")
source("reference_helpers.R")

hs_file <- "tests/reference/data/holzinger_swineford.csv"
hs <- read.csv("data/holzinger_swineford.csv", na.strings = "")
model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
one <- cfa(model, data = hs, estimator = "MLR", meanstructure = TRUE)
two <- cfa(model, data = hs, estimator = "MLR", group = "school")
gamma_json <- function(fit) {
  g <- lavInspect(fit, "gamma")
  if (!is.list(g)) g <- list(g)
  lapply(g, matrix_json)
}
out <- list(
  lavaan_version = LAVAAN_VERSION,
  r_version = R_VERSION,
  data_file = hs_file,
  model = model,
  items = paste0("x", 1:9),
  group = "school",
  group_labels = lavInspect(two, "group.label"),
  calls = list(one = 'lavInspect(cfa(model, data = hs, estimator = "MLR", meanstructure = TRUE), "gamma")',
               two = 'lavInspect(cfa(model, data = hs, estimator = "MLR", group = "school"), "gamma")'),
  one = gamma_json(one),
  two = gamma_json(two)
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "lavaan_gamma.json")
