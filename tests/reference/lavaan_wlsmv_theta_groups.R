# Reference case: equal thresholds across groups under the theta parameterization in cfa()
# (lavaan 0.6.14): the later groups' residual variances of the latent responses become free
# (their scale follows), latent means free, intercepts 0. Run from tests/reference/:
#   Rscript lavaan_wlsmv_theta_groups.R  ->  lavaan_wlsmv_theta_groups.json
#
# Data: data/hs_wlsmv_groups.csv (HolzingerSwineford1939 x1-x9 cut into 4 categories, by school;
# written by lavaan_wlsmv.R). Model: visual, textual, speed (3 items each), WLSMV, theta, with
# group.equal = "thresholds" and c("thresholds", "loadings").
suppressPackageStartupMessages({
  library(jsonlite)
  library(lavaan)
})

d <- read.csv("data/hs_wlsmv_groups.csv")
items <- paste0("x", 1:9)
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
keep <- c("npar", "df", "chisq", "chisq.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr")
out <- list(lavaan = as.character(packageVersion("lavaan")), model = model, items = items, group = "school",
            groups = unique(d$school), data = "data/hs_wlsmv_groups.csv", cases = list())
for (eq in list("thresholds", c("thresholds", "loadings"))) {
  fit <- cfa(model, data = d, ordered = items, group = "school", group.equal = eq, parameterization = "theta",
             estimator = "WLSMV")
  pe <- parameterEstimates(fit, remove.nonfree = FALSE)
  out$cases[[paste(eq, collapse = "+")]] <- list(
    group_equal = eq, fit = as.list(fitMeasures(fit, keep)),
    partable = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group, est = pe$est, se = pe$se))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "lavaan_wlsmv_theta_groups.json")
