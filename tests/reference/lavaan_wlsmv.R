# Reference case: ordinal CFAs by DWLS / WLSMV / ULSMV (lavaan 0.6.14).
# Run from tests/reference/:
#   Rscript lavaan_wlsmv.R  ->  lavaan_wlsmv.json, data/hs_wlsmv.csv, data/bfi_wlsmv.csv
#
# Case hs:  HolzingerSwineford1939 x1-x9, each cut into 4 categories at its quartiles
#           (cut(x, breaks = unique(quantile(x)), include.lowest = TRUE, labels = FALSE)),
#           3-factor CFA (visual, textual, speed), n = 301.
# Case bfi: psych::bfi agreeableness A1-A5 and conscientiousness C1-C5 (6-point items),
#           complete cases, 2-factor CFA.
# Per case: estimator WLSMV (delta and theta parameterizations), ULSMV (delta) and DWLS
# (delta): sample statistics (wls.obs, gamma = NACOV, diag(wls.v), sampstat), parameter
# estimates with SEs, fitMeasures, standardizedSolution and R².
suppressPackageStartupMessages({
  library(jsonlite)
  library(lavaan)
  library(psych)
})

cut4 <- function(x) cut(x, breaks = unique(quantile(x)), include.lowest = TRUE, labels = FALSE)
hs <- HolzingerSwineford1939[, paste0("x", 1:9)]
hs[] <- lapply(hs, cut4)
write.csv(hs, "data/hs_wlsmv.csv", row.names = FALSE)

items <- c(paste0("A", 1:5), paste0("C", 1:5))
bfi_items <- bfi[complete.cases(bfi[, items]), items]
write.csv(bfi_items, "data/bfi_wlsmv.csv", row.names = FALSE)

cases <- list(
  hs = list(data = hs, items = paste0("x", 1:9),
            model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"),
  bfi = list(data = bfi_items, items = items,
             model = "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"))

variants <- list(
  wlsmv_delta = list(estimator = "WLSMV", parameterization = "delta"),
  wlsmv_theta = list(estimator = "WLSMV", parameterization = "theta"),
  ulsmv_delta = list(estimator = "ULSMV", parameterization = "delta"),
  dwls_delta = list(estimator = "DWLS", parameterization = "delta"))

fit_record <- function(fit) {
  pe <- parameterEstimates(fit, remove.nonfree = FALSE)
  ss <- standardizedSolution(fit)
  fm <- fitMeasures(fit)
  fm <- as.list(unclass(fm))
  fm <- fm[!is.na(unlist(fm))]
  list(
    nobs = lavInspect(fit, "nobs"),
    fmin = unname(fitMeasures(fit, "fmin")),
    partable = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se),
    std = data.frame(lhs = ss$lhs, op = ss$op, rhs = ss$rhs, est_std = ss$est.std),
    r2 = as.list(lavInspect(fit, "r2")),
    fit = fm)
}

out <- list(lavaan_version = as.character(packageVersion("lavaan")))
for (case in names(cases)) {
  cs <- cases[[case]]
  rec <- list(model = cs$model, items = cs$items, fits = list())
  for (v in names(variants)) {
    fit <- cfa(cs$model, data = cs$data, ordered = cs$items,
               estimator = variants[[v]]$estimator, parameterization = variants[[v]]$parameterization)
    rec$fits[[v]] <- fit_record(fit)
    if (v == "wlsmv_delta") {
      ss <- lavInspect(fit, "sampstat")
      rec$wls_obs <- as.numeric(lavInspect(fit, "wls.obs"))
      rec$gamma <- unclass(lavInspect(fit, "gamma"))
      rec$wls_v_diag <- as.numeric(diag(lavInspect(fit, "wls.v")))
      rec$cor <- unclass(ss$cov)
      rec$thresholds <- as.list(ss$th)
      rec$th_names <- names(ss$th)
      rec$nobs <- lavInspect(fit, "nobs")
    }
  }
  out[[case]] <- rec
}
# Multigroup (the basis of the ordinal invariance ladder): the cut HS items by school,
# configural (thresholds, loadings free per group), with equal loadings, equal thresholds
# (lavaan then frees the scale factors and latent means of the second group) and both.
hs_groups <- hs
hs_groups$school <- as.character(HolzingerSwineford1939$school)
write.csv(hs_groups, "data/hs_wlsmv_groups.csv", row.names = FALSE)
rec <- list(model = cases$hs$model, items = cases$hs$items, group = "school",
            groups = unique(hs_groups$school), fits = list())
equal <- list(configural = "", loadings = "loadings", thresholds = "thresholds",
              thresholds_loadings = c("thresholds", "loadings"))
group_fits <- list()
for (v in names(equal)) {
  fit <- cfa(cases$hs$model, data = hs_groups, ordered = cases$hs$items, group = "school",
             estimator = "WLSMV", group.equal = equal[[v]])
  group_fits[[v]] <- fit
  r <- fit_record(fit)
  pe <- parameterEstimates(fit, remove.nonfree = FALSE)
  ss <- standardizedSolution(fit)
  r$partable <- data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group, est = pe$est, se = pe$se)
  r$std <- data.frame(lhs = ss$lhs, op = ss$op, rhs = ss$rhs, group = ss$group, est_std = ss$est.std)
  r$r2 <- NULL
  rec$fits[[v]] <- r
}
# lavTestLRT: the scaled-shifted Satorra (2000) difference test lavaan uses for WLSMV
lrt_record <- function(general, restricted) {
  a <- lavTestLRT(general, restricted)
  list(chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"], p_value = a[2, "Pr(>Chisq)"])
}
rec$lrt <- list(
  configural_thresholds = lrt_record(group_fits$configural, group_fits$thresholds),
  thresholds_thresholds_loadings = lrt_record(group_fits$thresholds, group_fits$thresholds_loadings),
  configural_loadings = lrt_record(group_fits$configural, group_fits$loadings))
out$hs_groups <- rec

# Variants of the HS model: structural paths, a residual covariance, std.lv, theta with groups.
hs_model <- cases$hs$model
extra <- list(
  paths = list(model = paste0(hs_model, "\nspeed ~ visual + textual"), args = list()),
  rescov = list(model = paste0(hs_model, "\nx1 ~~ x2"), args = list()),
  std_lv = list(model = hs_model, args = list(std.lv = TRUE)),
  ulsmv_theta = list(model = hs_model, args = list(estimator = "ULSMV", parameterization = "theta")))
hs_fit <- cfa(hs_model, data = hs, ordered = cases$hs$items)
hs_fit0 <- cfa(paste0(hs_model, "\nvisual ~~ 0*speed"), data = hs, ordered = cases$hs$items)
out$hs_lrt <- c(list(model0 = paste0(hs_model, "\nvisual ~~ 0*speed")), lrt_record(hs_fit, hs_fit0))
out$hs_extra <- lapply(extra, function(e) {
  fit <- do.call("cfa", c(list(model = e$model, data = hs, ordered = cases$hs$items), e$args))
  c(list(model = e$model, args = e$args), fit_record(fit))
})

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", dataframe = "rows"),
           "lavaan_wlsmv.json")
