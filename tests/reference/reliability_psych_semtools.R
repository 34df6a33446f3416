# Reference case: scale reliability and validity (psych + semTools + lavaan).
# Run from tests/reference/:
#   Rscript reliability_psych_semtools.R  ->  reliability_psych_semtools.json
# Every block is analysed on its listwise-complete rows, x <- na.omit(d[, items]),
# so psych's default use = "pairwise" and lavaan's listwise deletion agree.
source("reference_helpers.R")  # lavaan, jsonlite, matrix_json(), write_reference()
suppressPackageStartupMessages({ library(psych); library(semTools) })

datasets <- list(
  corporate_reputation = list(file = "data/corporate_reputation.csv", blocks = list(
    COMP = paste0("comp_", 1:3), LIKE = paste0("like_", 1:3),
    CUSL = paste0("cusl_", 1:3), QUAL = paste0("qual_", 1:8),
    PERF = paste0("perf_", 1:5), CSOR = paste0("csor_", 1:5),
    ATTR = paste0("attr_", 1:3))),  # CUSA (single item `cusa`) is skipped
  ecsi_mobile = list(file = "data/ecsi_mobile.csv", blocks = list(
    IMAG = paste0("IMAG", 1:5), CUEX = paste0("CUEX", 1:3),
    PERQ = paste0("PERQ", 1:7), PERV = paste0("PERV", 1:2),
    CUSA = paste0("CUSA", 1:3), CUSL = paste0("CUSL", 1:3))),
  customersat = list(file = "data/customersat.csv", blocks = list(
    PRICE = paste0("q", 2:4), REACH = paste0("q", 6:8), DIST = paste0("q", 9:10))))

# Run expr, keeping its value and the text of any warnings it raised.
with_warnings <- function(expr) {
  w <- character(0)
  value <- withCallingHandlers(expr, warning = function(c) {
    w <<- c(w, conditionMessage(c)); invokeRestart("muffleWarning") })
  list(value = value, warnings = I(w))  # I(): always a JSON array
}
named <- function(v) as.list(unclass(v))  # named vector -> JSON object
one_factor_model <- function(f, items) paste(f, "=~", paste(items, collapse = " + "))

# 1. psych::alpha(x) with all defaults.
alpha_record <- function(x) {
  r <- with_warnings(psych::alpha(x)); a <- r$value
  list(call = "psych::alpha(x)",
       raw_alpha = a$total$raw_alpha,                    # a$total$raw_alpha
       std_alpha = a$total$std.alpha,                    # a$total$std.alpha
       average_r = a$total$average_r,                    # a$total$average_r
       # a$alpha.drop$raw_alpha. For 2 items psych stores C[1,2]/C[2,2] and
       # C[1,2]/C[1,1] (not an alpha: one item is left).
       alpha_if_deleted = setNames(as.list(a$alpha.drop$raw_alpha), names(x)),
       r_drop = setNames(as.list(a$item.stats$r.drop), names(x)),  # a$item.stats$r.drop
       r_cor = setNames(as.list(a$item.stats$r.cor), names(x)),    # a$item.stats$r.cor
       # a$feldt = psych::alpha.ci(raw_alpha, n.obs = nrow(x), n.var = ncol(x)),
       # p.val = .05; each element is a 1x1 data.frame, hence [[1]].
       feldt = list(level = 0.95, lower = a$feldt$lower.ci[[1]],
                    alpha = a$feldt$alpha[[1]], upper = a$feldt$upper.ci[[1]],
                    r_bar = a$feldt$r.bar[[1]]),
       warnings = r$warnings)
}

# 2. One-factor CFA of a block (>= 3 items; 2 items are not identified).
cfa_record <- function(block, x) {
  model <- one_factor_model(block, names(x))
  r <- with_warnings(cfa(model, data = x, std.lv = TRUE)); fit <- r$value
  l <- lavInspect(fit, "std")$lambda[, 1]            # std.all loadings
  est <- lavInspect(fit, "est")
  list(call = "cfa(model, data = x, std.lv = TRUE)", model = model,
       converged = lavInspect(fit, "converged"), df = fitMeasures(fit, "df")[[1]],
       loadings_std_all = named(l),
       loadings_est = named(est$lambda[, 1]),        # psi = 1 (std.lv)
       residual_var_est = named(diag(est$theta)),
       # semTools (psi = 1): omega = (sum lambda)^2 / sum(S), AVE = sum(lambda^2) /
       # tr(S); S = sample cov (divisor N) for obs.var = TRUE, implied cov if FALSE.
       comp_rel_sem = compRelSEM(fit)[[1]],                          # obs.var = TRUE
       comp_rel_sem_obs_var_false = compRelSEM(fit, obs.var = FALSE)[[1]],
       ave_sem = AVE(fit)[[1]],                                      # AVE(fit)
       # from the std.all loadings l:
       cr_formula = sum(l)^2 / (sum(l)^2 + sum(1 - l^2)),
       ave_formula = mean(l^2),
       warnings = r$warnings)
}

# 3. Multi-factor CFA of all blocks with >= 3 items.
multi_record <- function(ds, blocks, d) {
  items <- unlist(blocks, use.names = FALSE)
  x <- na.omit(d[, items])
  model <- paste(mapply(one_factor_model, names(blocks), blocks), collapse = "\n")
  r <- with_warnings(cfa(model, data = x, std.lv = TRUE)); fit <- r$value
  list(dataset = ds, blocks = names(blocks), items = items, n = nrow(x),
       call = "cfa(model, data = x, std.lv = TRUE)", model = model,
       converged = lavInspect(fit, "converged"),
       cor_lv = matrix_json(lavInspect(fit, "cor.lv")),
       loadings_std_all = named(rowSums(lavInspect(fit, "std")$lambda)),
       ave_sem = named(AVE(fit)),                                    # AVE(fit)
       comp_rel_sem = named(compRelSEM(fit)),                        # compRelSEM(fit)
       comp_rel_sem_obs_var_false = named(compRelSEM(fit, obs.var = FALSE)),
       # semTools 0.5.6 defaults to htmt2 = TRUE, so both are passed explicitly.
       htmt = matrix_json(htmt(model, data = x, absolute = TRUE, htmt2 = FALSE)),
       htmt2 = matrix_json(htmt(model, data = x, absolute = TRUE, htmt2 = TRUE)),
       warnings = r$warnings)
}

out <- c(reference_header("reliability_psych_semtools"),
         list(psych_version = as.character(packageVersion("psych")),
              semtools_version = as.character(packageVersion("semTools")),
              blocks = list(), multi_factor = list()))
for (ds in names(datasets)) {
  d <- read.csv(file.path("../..", datasets[[ds]]$file))
  if (ds == "corporate_reputation") d[d == -99] <- NA   # -99 = missing
  blocks <- datasets[[ds]]$blocks
  for (b in names(blocks)) {
    items <- blocks[[b]]
    x <- na.omit(d[, items])
    rec <- list(dataset = ds, data_file = datasets[[ds]]$file, block = b,
                items = items, n = nrow(x), alpha = alpha_record(x),
                cfa = NA, cfa_skipped = NA)  # NA is written as null
    if (length(items) >= 3) rec$cfa <- cfa_record(b, x)
    else rec$cfa_skipped <- "2 items: one-factor CFA not identified"
    out$blocks[[ds]][[b]] <- rec
  }
  multi <- blocks[lengths(blocks) >= 3]
  out$multi_factor[[ds]] <- c(list(data_file = datasets[[ds]]$file),
                              multi_record(ds, multi, d))
}
write_reference(out, "reliability_psych_semtools.json")

e <- out$blocks$ecsi_mobile$CUSA; h <- out$multi_factor$ecsi_mobile$htmt
cat(sprintf("ecsi CUSA: alpha %.6f, omega %.6f, HTMT CUSA-CUSL %.6f\n",
            e$alpha$raw_alpha, e$cfa$comp_rel_sem,
            h$values[h$rownames == "CUSA", h$colnames == "CUSL"]))
