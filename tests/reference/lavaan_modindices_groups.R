# Modification indices of a two-group model (lavaan 0.6.14), for tests/sem/test_modindices_groups.py.
# Runs from tests/reference/ or from the repository root.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
here <- if (file.exists("reference_helpers.R")) "." else "tests/reference"
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
fit <- cfa(model, data = HolzingerSwineford1939, group = "school", group.equal = "loadings")
mi <- modindices(fit)
mi$group_label <- lavInspect(fit, "group.label")[mi$group]
out <- list(
  case = "lavaan_modindices_groups",
  script = "tests/reference/lavaan_modindices_groups.R",
  lavaan_version = as.character(packageVersion("lavaan")),
  model = model,
  group = "school",
  group_equal = "loadings",
  data_file = "tests/reference/data/holzinger_swineford.csv",
  modindices = mi[, c("lhs", "op", "rhs", "group_label", "mi", "epc", "sepc.lv", "sepc.all")]
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "lavaan_modindices_groups.json"))
