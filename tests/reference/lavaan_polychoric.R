# Reference case: ordinal sample statistics (issue 14) -> lavaan_polychoric.json.
# Run from tests/reference/:  Rscript lavaan_polychoric.R   (~5 s)
# Thresholds, polychoric/polyserial correlations, wls.obs, gamma (NACOV) and the DWLS
# weights from lavCor(..., ordered = ..., output = "fit", estimator = "DWLS",
# se = "robust.sem") (lavaan 0.6.14; estimator/se only ask lavaan to compute NACOV,
# the sample statistics are the same as lavCor's default two-step estimates), and
# psych's ordinal alpha, alpha(polychoric(x)$rho), and categorical omega from semTools::compRelSEM
# of cfa(..., ordered = items, std.lv = TRUE) (WLSMV).
# Writes data/bfi_items.csv (psych::bfi, 10 items with their missing answers; GPL >= 2)
# and data/hs_ordinal.csv (HolzingerSwineford1939 x1-x9 cut at their quartiles, and four
# median splits b1-b4 for 2 x 2 tables).
source("reference_helpers.R")
suppressPackageStartupMessages(library(psych))

data(bfi, package = "psych")
bfi_items <- c(paste0("A", 1:5), paste0("C", 1:5))
bfi10 <- bfi[, bfi_items]
write.csv(bfi10, "data/bfi_items.csv", row.names = FALSE, na = "")
bfi_complete <- na.omit(bfi10)

hs <- HolzingerSwineford1939
cut4 <- function(x) as.integer(cut(x, breaks = quantile(x, probs = 0:4 / 4), include.lowest = TRUE))
hs_ord <- data.frame(lapply(hs[, paste0("x", 1:9)], cut4))
hs_mixed <- hs_ord
for (v in paste0("x", 7:9)) hs_mixed[[v]] <- hs[[v]]          # x7-x9 continuous
# binary items (median splits); b4 has one empty cell with b1 (lavaan adds 0.5 there, keeping the margins)
above <- function(x) as.integer(x > median(x)) + 1L
hs_bin <- data.frame(b1 = above(hs$x1), b2 = above(hs$x2), b3 = above(hs$x4))
hs_bin$b4 <- ifelse(hs_bin$b1 == 2L, 2L, above(hs$x3))
write.csv(data.frame(id = hs$id, hs_ord, x7_raw = hs$x7, x8_raw = hs$x8, x9_raw = hs$x9, hs_bin),
          "data/hs_ordinal.csv", row.names = FALSE)

sampstats <- function(d, ordered, missing = "listwise") {
  fit <- lavCor(d, ordered = ordered, output = "fit", estimator = "DWLS",
                se = "robust.sem", missing = missing)
  s <- lavInspect(fit, "sampstat")
  list(call = sprintf("lavCor(d, ordered = ordered, output = 'fit', estimator = 'DWLS', se = 'robust.sem', missing = '%s')", missing),
       names = colnames(d), ordered = I(ordered), nobs = lavInspect(fit, "nobs"),
       cov = matrix_json(s$cov),
       mean = if (is.null(s$mean)) NULL else as.list(s$mean),
       th = as.list(lavInspect(fit, "th")),
       th_names = I(names(lavInspect(fit, "th"))),
       wls_obs = I(unname(lavInspect(fit, "wls.obs"))),
       wls_obs_names = I(names(lavInspect(fit, "wls.obs"))),
       gamma = unname(unclass(lavInspect(fit, "gamma"))),
       wls_v_diag = I(unname(diag(lavInspect(fit, "wls.v")))))
}

ordinal_alpha <- function(d) {
  pc <- polychoric(d)
  list(items = I(colnames(d)), rho = unname(pc$rho),
       alpha = alpha(pc$rho)$total$raw_alpha)
}

# categorical omega (Green & Yang 2009): semTools::compRelSEM of a one-factor WLSMV CFA
suppressPackageStartupMessages(library(semTools))
omega_cat <- function(d) {
  items <- colnames(d)
  fit <- cfa(paste("f =~", paste(items, collapse = " + ")), data = d, ordered = items, std.lv = TRUE)
  list(items = I(items), omega = unname(compRelSEM(fit)[["f"]]),
       loadings = I(unname(lavInspect(fit, "std")$lambda[, 1])),
       semtools = as.character(packageVersion("semTools")))
}

out <- list(
  lavaan = LAVAAN_VERSION, psych = as.character(packageVersion("psych")), r = R_VERSION,
  cases = list(
    bfi_complete = c(sampstats(bfi_complete, bfi_items), data = "data/bfi_items.csv (complete cases)"),
    bfi_pairwise = c(sampstats(bfi10, bfi_items, missing = "pairwise"), data = "data/bfi_items.csv"),
    hs_ordinal = c(sampstats(hs_ord, paste0("x", 1:9)), data = "data/hs_ordinal.csv x1-x9"),
    hs_mixed = c(sampstats(hs_mixed, paste0("x", 1:6)), data = "data/hs_ordinal.csv x1-x6 and x7_raw-x9_raw as x7-x9"),
    hs_binary = c(sampstats(hs_bin, names(hs_bin)), data = "data/hs_ordinal.csv b1-b4")),
  alpha = list(
    bfi_C = ordinal_alpha(bfi_complete[, paste0("C", 1:3)]),
    hs_x4_x6 = ordinal_alpha(hs_ord[, paste0("x", 4:6)])),
  omega = list(
    bfi_A = omega_cat(bfi_complete[, paste0("A", 2:5)]),
    bfi_C = omega_cat(bfi_complete[, paste0("C", 1:3)]),
    hs_x1_x3 = omega_cat(hs_ord[, paste0("x", 1:3)])))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null"), "lavaan_polychoric.json")
