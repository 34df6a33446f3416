# Shared helpers for the lavaan reference scripts in tests/reference/.
# Each lavaan_*.R script sources this file; run them from tests/reference/:
#   cd tests/reference && Rscript lavaan_hs_cfa.R
# Nothing here fits a model: the scripts make every lavaan call themselves and
# pass the fitted object to fit_record(), which only *extracts* results.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

LAVAAN_VERSION <- as.character(packageVersion("lavaan"))
R_VERSION <- R.version.string

# A matrix as {rownames, colnames, values}; values are row-major (list of rows).
matrix_json <- function(m) {
  m <- unclass(m)
  list(rownames = rownames(m), colnames = colnames(m), values = unname(m))
}

# parameterEstimates(fit, standardized = TRUE, ci = TRUE, ...) plus the `free`
# column of parTable(fit) (0 = fixed, k = k-th free parameter), matched on
# lhs/op/rhs. `...` is passed on (e.g. boot.ci.type = "bca.simple").
param_table <- function(fit, ...) {
  pe <- as.data.frame(parameterEstimates(fit, standardized = TRUE, ci = TRUE, ...))
  if (is.null(pe$label)) pe$label <- ""  # lavaan drops the column if no labels
  pt <- parTable(fit)
  key <- function(d) paste(d$lhs, d$op, d$rhs, sep = "\r")
  pe$free <- pt$free[match(key(pe), key(pt))]
  stopifnot(!anyNA(pe$free))
  cols <- c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
            "ci.lower", "ci.upper", "std.lv", "std.all", "std.nox", "free")
  pe[, intersect(cols, names(pe))]
}

# Everything the Python tests compare against, for one fitted model.
#   call       : the exact lavaan call used, as text (for the reader)
#   modindices : include modindices(fit)?
fit_record <- function(fit, call, model, data_file, modindices = TRUE) {
  opts <- lavInspect(fit, "options")
  rec <- list(
    lavaan_version = LAVAAN_VERSION,
    r_version = R_VERSION,
    call = call,
    model = model,
    data_file = data_file,  # relative to the repository root
    options = opts[c("estimator", "se", "test", "information",
                     "observed.information", "h1.information", "std.lv",
                     "missing", "likelihood", "meanstructure", "fixed.x",
                     "optim.method")],
    nobs = lavInspect(fit, "nobs"),
    converged = lavInspect(fit, "converged"),
    iterations = lavInspect(fit, "iterations"),
    post_check = lavInspect(fit, "post.check"),  # TRUE = admissible solution
    max_abs_gradient = max(abs(lavInspect(fit, "gradient"))),  # at the optimum
    parameters = param_table(fit),
    fit_measures = as.list(unclass(fitMeasures(fit))),  # all of them
    r2 = as.list(unclass(lavInspect(fit, "r2"))),
    implied_cov = matrix_json(fitted(fit)$cov),
    sample_cov = matrix_json(lavInspect(fit, "sampstat")$cov)  # ML: divisor N
  )
  if (opts$se == "bootstrap") {
    boot <- lavInspect(fit, "boot")  # rows of failed draws are kept (NA)
    rec$options$bootstrap <- opts$bootstrap
    rec$bootstrap_failed <- length(attr(boot, "error.idx"))
    rec$bootstrap_draws_ok <- nrow(boot) - rec$bootstrap_failed
    # nonadmissible (e.g. negative variance) draws are kept and used by lavaan
    rec$bootstrap_nonadmissible <- length(attr(boot, "nonadmissible"))
  }
  if (modindices) {
    mi <- as.data.frame(modindices(fit))
    rec$modindices <- mi[, c("lhs", "op", "rhs", "mi", "epc",
                             "sepc.lv", "sepc.all", "sepc.nox")]
  }
  rec
}

# Write one reference JSON (full precision; NA/NaN/Inf -> null).
write_reference <- function(x, path) {
  write_json(x, path, digits = NA, auto_unbox = TRUE, pretty = TRUE,
             na = "null")
  message("wrote ", path)
}

# Write a data frame to CSV and return it as read back, so the models are
# fitted on exactly the numbers the Python tests will read.
write_and_reload <- function(d, path) {
  write.csv(d, path, row.names = FALSE, na = "")
  back <- read.csv(path, na.strings = "")
  num <- vapply(d, is.numeric, logical(1))
  stopifnot(max(abs(as.matrix(back[num]) - as.matrix(d[num])),
                na.rm = TRUE) < 1e-12)
  back
}

# Header shared by all reference files.
reference_header <- function(case) {
  list(case = case,
       script = paste0("tests/reference/", case, ".R"),
       lavaan_version = LAVAAN_VERSION,
       r_version = R_VERSION,
       generated_on = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
       machine = paste(Sys.info()[["sysname"]], Sys.info()[["machine"]]))
}
