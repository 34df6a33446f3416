# Reference case: models that mix ordered and continuous indicators, fitted by DWLS / WLSMV /
# ULSMV (lavaan 0.6.14).
# Run from tests/reference/:
#   Rscript lavaan_wlsmv_mixed.R  ->  lavaan_wlsmv_mixed.json, data/hs_mixed.csv, data/bfi_mixed.csv
#
# Case hs:  HolzingerSwineford1939 with x1, x2, x3 cut into 4 categories at fixed breaks
#           (x1: 4, 5, 6; x2: 5.25, 6, 6.75; x3: 1.375, 2.125, 3.125; cut(..., labels = FALSE))
#           and x4-x9 continuous, 3-factor CFA (visual, textual, speed), n = 301: WLSMV
#           (delta and theta), ULSMV and DWLS (delta); a structural variant (speed ~ visual +
#           textual); two groups by school (configural, equal loadings, equal loadings and
#           thresholds); variants: an observed outcome (x9 ~ visual + textual), residual
#           covariances (x1 ~~ x4, x7 ~~ x8; delta and theta), std.lv, two groups under theta;
#           lavTestLRT between the two-group fits and for a single-group pair; lavTestScore
#           and modindices of the two-group fits with equalities.
# Case bfi: psych::bfi agreeableness A1-A5 ordered (6 categories) and conscientiousness
#           C1-C5 treated as continuous scores, complete cases, 2-factor CFA (WLSMV delta);
#           and the same with missing = "pairwise" on every row.
# Case hs also stores lavaan's wls.obs, gamma (NACOV) and diag(wls.v) of the WLSMV fit.
# Per fit: wls.obs, parameterEstimates (est, se), fitMeasures, standardizedSolution (std.all), R².
# With equal thresholds lavaan also equates the continuous variables' intercepts across groups
# and frees the second group's latent means and scale factors of the ordered items.
suppressPackageStartupMessages({
  library(jsonlite)
  library(lavaan)
  library(psych)
})

hs <- HolzingerSwineford1939[, c("school", paste0("x", 1:9))]
breaks <- list(x1 = c(4, 5, 6), x2 = c(5.25, 6, 6.75), x3 = c(1.375, 2.125, 3.125))
for (v in names(breaks)) hs[[v]] <- cut(hs[[v]], c(-Inf, breaks[[v]], Inf), labels = FALSE)
hs$school <- as.character(hs$school)
write.csv(hs, "data/hs_mixed.csv", row.names = FALSE)

items <- c(paste0("A", 1:5), paste0("C", 1:5))
bfi_all <- bfi[, items]
write.csv(bfi_all, "data/bfi_mixed.csv", row.names = FALSE)
bfi_complete <- bfi_all[complete.cases(bfi_all), ]

hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
hs_ordered <- c("x1", "x2", "x3")
bfi_model <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
bfi_ordered <- paste0("A", 1:5)

fit_record <- function(fit) {
  pe <- parameterEstimates(fit, remove.nonfree = FALSE)
  ss <- standardizedSolution(fit)
  fm <- as.list(unclass(fitMeasures(fit)))
  fm <- fm[!is.na(unlist(fm))]
  group <- if (is.null(pe$group)) rep(1L, nrow(pe)) else pe$group
  sgroup <- if (is.null(ss$group)) rep(1L, nrow(ss)) else ss$group
  wls <- lavInspect(fit, "wls.obs")
  if (!is.list(wls)) wls <- list(wls)
  r2 <- lavInspect(fit, "r2")
  if (!is.list(r2)) r2 <- list(r2)
  list(
    nobs = lavInspect(fit, "nobs"),
    wls_obs = lapply(wls, function(w) list(names = names(w), values = as.numeric(w))),
    partable = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = group, est = pe$est, se = pe$se),
    std = data.frame(lhs = ss$lhs, op = ss$op, rhs = ss$rhs, group = sgroup, est_std = ss$est.std),
    r2 = lapply(r2, as.list),
    fit = fm)
}

run <- function(model, data, ordered, ...) {
  args <- list(...)
  fit <- do.call("cfa", c(list(model = model, data = data, ordered = ordered), args))
  c(list(model = model, ordered = ordered, args = args), fit_record(fit))
}

out <- list(lavaan_version = as.character(packageVersion("lavaan")))
out$hs <- list(
  wlsmv_delta = run(hs_model, hs, hs_ordered, estimator = "WLSMV", parameterization = "delta"),
  wlsmv_theta = run(hs_model, hs, hs_ordered, estimator = "WLSMV", parameterization = "theta"),
  ulsmv_delta = run(hs_model, hs, hs_ordered, estimator = "ULSMV", parameterization = "delta"),
  dwls_delta = run(hs_model, hs, hs_ordered, estimator = "DWLS", parameterization = "delta"),
  paths = run(paste0(hs_model, "\nspeed ~ visual + textual"), hs, hs_ordered, estimator = "WLSMV"),
  groups_configural = run(hs_model, hs, hs_ordered, estimator = "WLSMV", group = "school"),
  groups_loadings = run(hs_model, hs, hs_ordered, estimator = "WLSMV", group = "school",
                        group.equal = "loadings"),
  groups_thresholds = run(hs_model, hs, hs_ordered, estimator = "WLSMV", group = "school",
                          group.equal = c("loadings", "thresholds")))
# lavaan's own sample statistics of case hs (the estimator alone is checked on them)
hs_fit <- cfa(hs_model, data = hs, ordered = hs_ordered)
out$hs_sample <- list(wls_obs = as.numeric(lavInspect(hs_fit, "wls.obs")),
                      gamma = unclass(lavInspect(hs_fit, "gamma")),
                      wls_v_diag = as.numeric(diag(lavInspect(hs_fit, "wls.v"))))
out$hs_extra <- list(
  outcome = run("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nx9 ~ visual + textual", hs, hs_ordered,
                estimator = "WLSMV"),
  rescov = run(paste0(hs_model, "\nx1 ~~ x4\nx7 ~~ x8"), hs, hs_ordered, estimator = "WLSMV"),
  rescov_theta = run(paste0(hs_model, "\nx1 ~~ x4\nx7 ~~ x8"), hs, hs_ordered, estimator = "WLSMV",
                     parameterization = "theta"),
  std_lv = run(hs_model, hs, hs_ordered, estimator = "WLSMV", std.lv = TRUE),
  groups_theta = run(hs_model, hs, hs_ordered, estimator = "WLSMV", group = "school",
                     parameterization = "theta"))
# lavTestLRT (scaled-shifted, Satorra 2000) between the two-group fits and a single-group pair
lrt_record <- function(general, restricted) {
  a <- lavTestLRT(general, restricted)
  list(chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"], p_value = a[2, "Pr(>Chisq)"])
}
g_fit <- function(equal) cfa(hs_model, data = hs, ordered = hs_ordered, group = "school", group.equal = equal)
configural <- g_fit(""); loadings <- g_fit("loadings"); thresholds <- g_fit(c("loadings", "thresholds"))
one <- cfa(hs_model, data = hs, ordered = hs_ordered)
one0 <- cfa(paste0(hs_model, "\nvisual ~~ 0*speed"), data = hs, ordered = hs_ordered)
out$lrt <- list(
  configural_loadings = lrt_record(configural, loadings),
  loadings_thresholds = lrt_record(loadings, thresholds),
  single = c(list(model0 = paste0(hs_model, "\nvisual ~~ 0*speed")), lrt_record(one, one0)))
# the same pair with x7 in other units (x7 * 10): lavaan's difference test depends on them
hs10 <- hs
hs10$x7 <- hs10$x7 * 10
out$lrt$single_x7_times_10 <- lrt_record(cfa(hs_model, data = hs10, ordered = hs_ordered),
                                         cfa(paste0(hs_model, "\nvisual ~~ 0*speed"), data = hs10,
                                             ordered = hs_ordered))
# lavTestScore of the two-group fits with equalities: each "==" constraint (named by the parameter
# of group 1 it ties) and the total test; modindices of the fixed intercepts of the ordered items'
# latent responses in group 2 (with equal thresholds, where the latent means are free)
score_record <- function(fit) {
  pt <- parTable(fit)
  sc <- suppressWarnings(lavTestScore(fit))
  a <- match(sc$uni$lhs, pt$plabel)
  mi <- modindices(fit, free.remove = FALSE, sort. = FALSE, minimum.value = -Inf)
  mi <- mi[mi$group == 2 & mi$op == "~1" & mi$lhs %in% hs_ordered, ]
  list(score = data.frame(lhs = pt$lhs[a], op = pt$op[a], rhs = pt$rhs[a], x2 = sc$uni$X2, df = sc$uni$df),
       total = list(x2 = sc$test$X2, df = sc$test$df),
       modindices = data.frame(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, mi = mi$mi))
}
out$score <- list(groups_loadings = score_record(loadings), groups_thresholds = score_record(thresholds))
out$bfi <- list(
  wlsmv_delta = run(bfi_model, bfi_complete, bfi_ordered, estimator = "WLSMV"),
  wlsmv_pairwise = run(bfi_model, bfi_all, bfi_ordered, estimator = "WLSMV", missing = "pairwise"))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", dataframe = "rows"),
           "lavaan_wlsmv_mixed.json")
