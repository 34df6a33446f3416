# Reference case: hard FIML fits for the optimiser stress corpus
# (tests/sem/test_stress.py), lavaan 0.6.14 `missing = "ml"`.
#
# 1. The six-factor ECSI measurement model (IMAG, CUEX, PERQ, PERV, CUSA, CUSL; factors
#    correlating up to .96) on data/ecsi_mobile.csv: complete data (FIML must equal
#    ML) and 20 masks with 8% of the 23 item cells missing completely at random. The masks
#    are drawn here (set.seed below) and written to data/ecsi_mcar_masks.csv (one row per
#    missing cell: mask, row (1-based), column), so Python fits the same gaps.
# 2. Simulated hard cases, written to data/stress_cases.csv (columns case, g, y1..y12;
#    unused columns empty): near-collinear factors (r >= .95), two-item factors, a small
#    sample, 20% MCAR cells, two groups of unequal size.
# For every fit: chisq, df, logl, unrestricted.logl, converged, iterations and every
# parameter estimate (lhs, op, rhs, group, est).
# Run from tests/reference/:  Rscript lavaan_stress.R  ->  lavaan_stress.json  (~2 min: 27 FIML fits)
if (!file.exists("reference_helpers.R") &&
    file.exists("tests/reference/reference_helpers.R")) setwd("tests/reference")
source("reference_helpers.R")

ecsi <- read.csv("../../data/ecsi_mobile.csv")
ecsi_model <- "
IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
CUEX =~ CUEX1 + CUEX2 + CUEX3
PERQ =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
PERV =~ PERV1 + PERV2
CUSA =~ CUSA1 + CUSA2 + CUSA3
CUSL =~ CUSL1 + CUSL2 + CUSL3
"
items <- c(paste0("IMAG", 1:5), paste0("CUEX", 1:3), paste0("PERQ", 1:7), paste0("PERV", 1:2),
           paste0("CUSA", 1:3), paste0("CUSL", 1:3))

record <- function(fit, call, model, data_file) {
  pt <- as.data.frame(parTable(fit))
  pt <- pt[pt$op != "==", ]
  fm <- fitMeasures(fit, c("chisq", "df", "logl", "unrestricted.logl"))
  list(call = call, model = model, data_file = data_file,
       nobs = sum(lavInspect(fit, "nobs")),
       converged = lavInspect(fit, "converged"),
       iterations = lavInspect(fit, "iterations"),
       chisq = unname(fm["chisq"]), df = unname(fm["df"]),
       logl = unname(fm["logl"]), unrestricted_logl = unname(fm["unrestricted.logl"]),
       parameters = data.frame(lhs = pt$lhs, op = pt$op, rhs = pt$rhs, group = pt$group,
                               est = pt$est))
}

fits <- list()
fits$ecsi_complete <- record(cfa(ecsi_model, data = ecsi, missing = "ml"),
                             "cfa(model, data = ecsi, missing = 'ml')", ecsi_model, "data/ecsi_mobile.csv")
fits$ecsi_complete$ml_chisq <- unname(fitMeasures(cfa(ecsi_model, data = ecsi), "chisq"))

set.seed(20261207)
mask_rows <- list()
for (m in 1:20) {
  hole <- matrix(runif(nrow(ecsi) * length(items)) < 0.08, nrow(ecsi))
  where <- which(hole, arr.ind = TRUE)
  mask_rows[[m]] <- data.frame(mask = m, row = where[, 1], column = items[where[, 2]])
  d <- ecsi
  for (j in seq_along(items)) d[hole[, j], items[j]] <- NA
  fits[[sprintf("ecsi_mcar_%02d", m)]] <- record(
    cfa(ecsi_model, data = d, missing = "ml"),
    sprintf("cfa(model, data = ecsi with mask %d of data/ecsi_mcar_masks.csv, missing = 'ml')", m),
    ecsi_model, "data/ecsi_mobile.csv")
}
masks <- do.call(rbind, mask_rows)
masks <- masks[order(masks$mask, masks$row, masks$column), ]
write.csv(masks, "data/ecsi_mcar_masks.csv", row.names = FALSE)

# ---- simulated cases: factor models with given loadings, factor correlations, n, MCAR share
simulate <- function(n, loadings, phi, share, residual = 0.4) {
  k <- ncol(loadings)
  lambda <- loadings
  sigma <- lambda %*% phi %*% t(lambda) + diag(residual, nrow(lambda))
  y <- matrix(rnorm(n * nrow(lambda)), n) %*% chol(sigma)
  y[matrix(runif(length(y)) < share, n)] <- NA
  y
}
block <- function(per_factor, values) {  # a loading matrix: per_factor items per factor
  k <- length(per_factor)
  out <- matrix(0, sum(per_factor), k)
  at <- 0
  for (f in 1:k) {
    out[at + seq_len(per_factor[f]), f] <- values[at + seq_len(per_factor[f])]
    at <- at + per_factor[f]
  }
  out
}
equicor <- function(k, r) { m <- matrix(r, k, k); diag(m) <- 1; m }
model_text <- function(per_factor) {
  at <- 0
  lines <- character(0)
  for (f in seq_along(per_factor)) {
    lines <- c(lines, paste0("f", f, " =~ ", paste0("y", at + seq_len(per_factor[f]), collapse = " + ")))
    at <- at + per_factor[f]
  }
  paste0(paste(lines, collapse = "\n"), "\n")
}

set.seed(7)
cases <- list(
  collinear = list(per = c(3, 3, 3), r = 0.97, n = 200, share = 0.10),
  two_item = list(per = c(2, 2, 2, 2), r = 0.5, n = 150, share = 0.15),
  small_n = list(per = c(3, 3), r = 0.6, n = 50, share = 0.05),
  mcar20 = list(per = c(4, 4, 4), r = 0.95, n = 300, share = 0.20),
  collinear_two_item = list(per = c(2, 2, 3), r = 0.96, n = 180, share = 0.08)
)
frames <- list()
for (name in names(cases)) {
  cs <- cases[[name]]
  lam <- block(cs$per, runif(sum(cs$per), 0.6, 0.9))
  y <- simulate(cs$n, lam, equicor(length(cs$per), cs$r), cs$share)
  frame <- data.frame(case = name, g = "a", y)
  names(frame)[-(1:2)] <- paste0("y", seq_len(ncol(y)))
  frames[[name]] <- frame
}
# two groups of unequal size (240 and 60), different loadings, 10% MCAR
lam <- block(c(3, 3), c(0.8, 0.7, 0.6, 0.8, 0.7, 0.6))
ya <- simulate(240, lam, equicor(2, 0.6), 0.10)
yb <- simulate(60, lam * 0.9, equicor(2, 0.4), 0.10)
two <- data.frame(case = "multigroup", g = rep(c("a", "b"), c(240, 60)), rbind(ya, yb))
names(two)[-(1:2)] <- paste0("y", 1:6)
frames$multigroup <- two
all_cols <- c("case", "g", paste0("y", 1:12))
stacked <- do.call(rbind, lapply(frames, function(f) {
  for (col in setdiff(all_cols, names(f))) f[[col]] <- NA
  f[, all_cols]
}))
stacked <- write_and_reload(stacked, "data/stress_cases.csv")

for (name in names(cases)) {
  d <- stacked[stacked$case == name, ]
  model <- model_text(cases[[name]]$per)
  fits[[name]] <- record(cfa(model, data = d, missing = "ml"), "cfa(model, data = d, missing = 'ml')",
                         model, "tests/reference/data/stress_cases.csv")
}
d <- stacked[stacked$case == "multigroup", ]
model <- model_text(c(3, 3))
fits$multigroup <- record(cfa(model, data = d, group = "g", missing = "ml"),
                          "cfa(model, data = d, group = 'g', missing = 'ml')", model,
                          "tests/reference/data/stress_cases.csv")

out <- c(reference_header("lavaan_stress"), list(fits = fits))
write_reference(out, "lavaan_stress.json")
print(sapply(fits, function(f) c(chisq = f$chisq, converged = f$converged, iterations = f$iterations)))
