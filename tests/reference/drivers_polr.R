# Ordinal driver model: proportional-odds logistic regression (MASS::polr) of overall
# satisfaction q1 (1-10) on q2..q10 in bayesm customerSat. Writes drivers_polr.json.
# Run from tests/reference/: Rscript drivers_polr.R
library(MASS)
library(jsonlite)
d <- read.csv("../../data/customersat.csv")
drivers <- paste0("q", 2:10)
d$y <- factor(d$q1, ordered = TRUE)
fit <- polr(reformulate(drivers, "y"), data = d, Hess = TRUE, method = "logistic",
            control = list(reltol = 1e-12, maxit = 1000))
tab <- coef(summary(fit))
out <- list(
  script = "drivers_polr.R", r_version = R.version.string,
  mass_version = as.character(packageVersion("MASS")),
  call = "polr(y ~ q2 + ... + q10, data = d, Hess = TRUE, method = 'logistic')",
  nobs = nrow(d), drivers = drivers,
  coefficients = lapply(setNames(drivers, drivers), function(v)
    list(estimate = tab[v, "Value"], se = tab[v, "Std. Error"])),
  thresholds = as.list(fit$zeta),
  loglik = as.numeric(logLik(fit)),
  null_loglik = as.numeric(logLik(polr(y ~ 1, data = d, method = "logistic")))
)
write_json(out, "drivers_polr.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote drivers_polr.json\n")
