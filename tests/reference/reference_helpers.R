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

# ---------------------------------------------------------------------------
# Helpers for multi-group models, equality constraints and robust tests
# (lavaan_invariance.R, lavaan_mlr.R, lavaan_fiml.R). param_table() and
# fit_record() above match rows on lhs/op/rhs, which is not unique with groups.

# Every row of parTable(fit), in its order (including the `==` rows that
# group.equal adds and the `:=` rows), with the columns of
# parameterEstimates(fit, standardized = TRUE, ci = TRUE) and the delta-method
# SE of std.all from standardizedSolution(fit). `label` is lavaan's (group.equal
# constraints get automatic `.pN.` labels); `plabel` is the `.pN.` name used by
# the `==` rows and lavTestScore(); `free` = k-th free parameter (0 = fixed).
# On `==` rows est is lhs - rhs (0 at the solution) and std.all the difference
# of the two standardized values.
param_table_full <- function(fit) {
  pt <- as.data.frame(parTable(fit))
  pe <- as.data.frame(parameterEstimates(
    fit, standardized = TRUE, ci = TRUE, remove.eq = FALSE,
    remove.system.eq = FALSE, remove.ineq = FALSE, remove.def = FALSE,
    remove.nonfree = FALSE))
  stopifnot(nrow(pe) == nrow(pt), identical(pe$lhs, pt$lhs),
            identical(pe$op, pt$op), identical(pe$rhs, pt$rhs),
            all(pe$block == pt$block))
  if (is.null(pt$group)) pt$group <- pt$block  # single group: block 1
  ss <- as.data.frame(standardizedSolution(fit, remove.eq = FALSE,
                                           remove.ineq = FALSE,
                                           remove.def = FALSE))
  if (is.null(ss$group)) ss$group <- ifelse(ss$op %in% c("==", ":="), 0L, 1L)
  key <- function(d) paste(d$lhs, d$op, d$rhs, d$group, sep = "\r")
  i <- match(key(pt), key(ss))
  stopifnot(!anyNA(i), max(abs(ss$est.std[i] - pe$std.all)) < 1e-10)
  out <- data.frame(id = pt$id, lhs = pt$lhs, op = pt$op, rhs = pt$rhs,
                    user = pt$user, block = pt$block, group = pt$group,
                    free = pt$free, label = pt$label, plabel = pt$plabel,
                    stringsAsFactors = FALSE)
  for (col in c("est", "se", "z", "pvalue", "ci.lower", "ci.upper",
                "std.lv", "std.all", "std.nox"))
    if (!is.null(pe[[col]])) out[[col]] <- pe[[col]]
  out$std.all.se <- ss$se[i]
  out
}

# lavInspect(fit, "test") without the R attributes: one entry per test
# (standard, and e.g. yuan.bentler.mplus for MLR). stat.group is in group order;
# for the scaled test, h1/h0 are the traces of the Mplus-variant correction
# (scaling.factor = (sum(h1) - sum(h0)) / df).
tests_json <- function(fit) {
  lapply(lavInspect(fit, "test"), function(t) {
    out <- lapply(t, function(v) if (is.numeric(v)) as.vector(v) else v)
    # per-group values are always arrays, also with one group
    if (!is.null(out$stat.group)) out$stat.group <- I(out$stat.group)
    if (!is.null(attr(t$stat, "h1"))) {
      out$trace_h1 <- I(as.vector(attr(t$stat, "h1")))
      out$trace_h0 <- I(as.vector(attr(t$stat, "h0")))
      out$h1_ndat <- I(as.vector(attr(t$stat, "h1.ndat")))
    }
    out
  })
}

# Fit record for any model (one or more groups, `==`/`:=` rows, robust tests).
fit_record_full <- function(fit, call, model, data_file) {
  opts <- lavInspect(fit, "options")
  tests <- lavInspect(fit, "test")
  rec <- list(
    lavaan_version = LAVAAN_VERSION,
    r_version = R_VERSION,
    call = call,
    model = model,
    data_file = data_file,  # relative to the repository root
    options = opts[c("estimator", "se", "test", "information",
                     "observed.information", "h1.information", "std.lv",
                     "missing", "likelihood", "meanstructure", "fixed.x",
                     "optim.method", "group.equal", "group.partial")],
    ngroups = lavInspect(fit, "ngroups"),
    group_labels = I(lavInspect(fit, "group.label")),  # always an array
    nobs = I(lavInspect(fit, "nobs")),  # per group, in group order
    ntotal = lavInspect(fit, "ntotal"),
    converged = lavInspect(fit, "converged"),
    iterations = lavInspect(fit, "iterations"),
    post_check = lavInspect(fit, "post.check"),
    # gradient per free parameter; with equality constraints only its
    # projection on the constrained space vanishes (max_abs_gradient_reduced)
    max_abs_gradient = max(abs(lavInspect(fit, "gradient"))),
    max_abs_gradient_reduced = if (fit@Model@eq.constraints)
      max(abs(crossprod(fit@Model@eq.constraints.K,
                        lavInspect(fit, "gradient"))))
      else max(abs(lavInspect(fit, "gradient"))),
    parameters = param_table_full(fit),
    fit_measures = as.list(unclass(fitMeasures(fit))),  # all of them
    chisq_group = I(as.vector(tests[[1]]$stat.group)),  # group order
    tests = tests_json(fit)
  )
  if (length(tests) > 1 && !is.null(tests[[2]]$stat.group))
    rec$chisq_scaled_group <- I(as.vector(tests[[2]]$stat.group))
  rec
}

# A lavTestLRT() table as rows with a `model` column (the row names); the other
# columns keep lavaan's names (Df, AIC, BIC, Chisq, "Chisq diff", RMSEA,
# "Df diff", "Pr(>Chisq)"). `heading` is lavaan's printed heading; `method` the
# difference-test method it names ("standard" = plain chi-square difference).
lrt_json <- function(tab) {
  d <- as.data.frame(tab)
  rows <- cbind(model = rownames(d), d, stringsAsFactors = FALSE)
  rownames(rows) <- NULL
  heading <- paste(attr(tab, "heading"), collapse = "")
  m <- regmatches(heading, regexpr("method = .([a-z0-9.]+).", heading))
  method <- if (length(m)) sub("method = .([a-z0-9.]+).", "\\1", m) else "standard"
  list(method = method, heading = heading, table = rows)
}

# Value of expr plus the text of any warnings it raised.
with_warnings <- function(expr) {
  w <- character(0)
  value <- withCallingHandlers(expr, warning = function(cond) {
    w <<- c(w, conditionMessage(cond))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = I(w))
}
