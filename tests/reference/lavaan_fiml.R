# Reference case: full-information ML (missing = "ml") for the
# Holzinger-Swineford 3-factor CFA on a copy of the data with 10 % of the
# x1..x9 cells deleted completely at random, plus two all-missing rows.
# Run from tests/reference/:  Rscript lavaan_fiml.R  ->  lavaan_fiml.json
# (also works from the repository root: Rscript tests/reference/lavaan_fiml.R)
# Also writes data/hs_mcar.csv.
if (!file.exists("reference_helpers.R") &&
    file.exists("tests/reference/reference_helpers.R")) setwd("tests/reference")
source("reference_helpers.R")

# --- Data: MCAR deletion, seed 20261123 ---
# mask[i, j] = runif() < 0.10, drawn column by column (all 301 rows of x1, then
# x2, ...), i.e. each cell independently with probability 0.10. Then two rows
# with new ids (max id + 1, + 2; one per school) and x1..x9 all missing, which
# lavaan drops with a warning ("some cases are empty and will be ignored").
xs <- paste0("x", 1:9)
hs <- HolzingerSwineford1939[, c("id", "school", xs)]
hs$school <- as.character(hs$school)
seed <- 20261123
set.seed(seed)
mask <- matrix(runif(nrow(hs) * length(xs)) < 0.10, nrow(hs), length(xs))
for (j in seq_along(xs)) hs[[xs[j]]][mask[, j]] <- NA
empty <- data.frame(id = max(hs$id) + 1:2, school = c("Pasteur", "Grant-White"))
empty[xs] <- NA_real_
hs_mcar <- rbind(hs, empty)
stopifnot(!any(rowSums(is.na(hs_mcar[1:nrow(hs), xs])) == length(xs)))

data_file <- "tests/reference/data/hs_mcar.csv"
d <- write_and_reload(hs_mcar, "data/hs_mcar.csv")
stopifnot(identical(is.na(as.matrix(d[xs])), is.na(as.matrix(hs_mcar[xs]))))

data_summary <- list(
  seed = seed,
  rule = "set.seed(20261123); mask <- matrix(runif(301 * 9) < 0.10, 301, 9) (column-major: x1 rows first); x[mask] <- NA; then 2 rows with all x1..x9 NA appended",
  n_rows_file = nrow(d),
  n_rows_all_missing = sum(rowSums(is.na(d[xs])) == length(xs)),
  all_missing_ids = I(empty$id),
  n_cells_deleted = sum(mask),
  n_cells = length(mask),
  missing_per_variable = as.list(colSums(is.na(d[1:nrow(hs), xs]))),
  n_complete_rows = sum(complete.cases(d[xs])))

model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"

requested_measures <- c(
  "npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi",
  "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr",
  "aic", "bic", "bic2", "logl", "unrestricted.logl")
robust_measures <- c(
  "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
  "baseline.chisq.scaled", "baseline.df.scaled", "baseline.pvalue.scaled",
  "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled", "cfi.robust",
  "tli.robust", "rmsea.scaled", "rmsea.ci.lower.scaled",
  "rmsea.ci.upper.scaled", "rmsea.pvalue.scaled", "rmsea.robust",
  "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "rmsea.pvalue.robust")

# fit_record() plus what FIML needs: cases used, missing-data patterns,
# coverage, the saturated (h1) model's EM estimates and the fit's warnings.
fiml_record <- function(fitw, call, requested) {
  fit <- fitw$value
  rec <- fit_record(fit, call, model, data_file)
  rec$warnings <- fitw$warnings
  fm <- fitMeasures(fit)
  rec$fit_measures_requested <- I(requested)
  rec$fit_measures_not_reported <- I(setdiff(requested, names(fm)))
  rec$fit_measures_requested_na <- I(intersect(requested, names(fm)[is.na(fm)]))
  rec$norig <- lavInspect(fit, "norig")          # rows in the data
  rec$empty_idx <- I(lavInspect(fit, "empty.idx"))  # row numbers dropped
  pat <- lavInspect(fit, "patterns")             # TRUE = observed
  rec$n_patterns <- nrow(pat)
  rec$patterns <- list(colnames = colnames(pat), observed = unname(pat * 1L),
                       freq = fit@Data@Mp[[1]]$freq)
  rec$coverage <- matrix_json(lavInspect(fit, "coverage"))
  # Saturated model fitted by EM: what FIML compares against (unrestricted.logl).
  h1 <- lavInspect(fit, "sampstat.h1")
  rec$h1 <- list(call = 'lavInspect(fit, "sampstat.h1")',
                 mean = as.list(unclass(h1$mean)), cov = matrix_json(h1$cov))
  rec$implied_mean <- as.list(unclass(fitted(fit)$mean))
  rec$tests <- tests_json(fit)
  rec
}

fit_ml <- with_warnings(cfa(model, data = d, missing = "ml"))
rec_ml <- fiml_record(fit_ml, 'cfa(model, data = d, missing = "ml")',
                      requested_measures)
fit_mlr <- with_warnings(cfa(model, data = d, missing = "ml", estimator = "MLR"))
rec_mlr <- fiml_record(fit_mlr,
                       'cfa(model, data = d, missing = "ml", estimator = "MLR")',
                       c(requested_measures, robust_measures))
rec_mlr$vcov <- matrix_json(lavInspect(fit_mlr$value, "vcov"))

# Multi-group configural model by school, FIML; fit measures only.
mg <- with_warnings(cfa(model, data = d, group = "school", missing = "ml"))
mg_measures <- c("npar", "chisq", "df", "cfi", "rmsea", "srmr", "logl")
rec_mg <- list(
  call = 'cfa(model, data = d, group = "school", missing = "ml")',
  model = model, data_file = data_file,
  options = lavInspect(mg$value, "options")[c("estimator", "se", "test",
                                              "information", "h1.information",
                                              "missing", "meanstructure")],
  group_labels = I(lavInspect(mg$value, "group.label")),
  nobs = I(lavInspect(mg$value, "nobs")),
  converged = lavInspect(mg$value, "converged"),
  warnings = mg$warnings,
  fit_measures = as.list(unclass(fitMeasures(mg$value, mg_measures))),
  chisq_group = I(as.vector(lavInspect(mg$value, "test")[[1]]$stat.group)))

out <- c(reference_header("lavaan_fiml"), list(
  data = data_summary,
  fits = list(fiml_ml = rec_ml, fiml_mlr = rec_mlr),
  multigroup_configural_fiml = rec_mg))
write_reference(out, "lavaan_fiml.json")

# Spot checks.
print(rec_ml$nobs); print(rec_ml$n_patterns); print(rec_ml$warnings)
print(fitMeasures(fit_ml$value, c("chisq", "df", "cfi", "rmsea", "srmr", "logl")))
print(fitMeasures(fit_mlr$value, c("chisq.scaled", "chisq.scaling.factor", "cfi.robust", "rmsea.robust")))
print(unlist(rec_mg$fit_measures))
