# Reference case: key-driver regressions (lm + sandwich + car, LMG by hand).
# Run from tests/reference/:
#   Rscript drivers_lm_sandwich_car.R  ->  drivers_lm_sandwich_car.json
#
# Case A (customersat):          q1 ~ q2 + ... + q10        (n = 1811)
# Case B (corporate_reputation): cusl_1 ~ qual_1 + ... + qual_8
#                                (-99 -> NA, complete cases of the used columns)
# Per case: OLS fit, HC3/HC1 robust SEs, standardized betas, VIF and condition
# number, LMG relative importance (explicit enumeration of all subsets).
# Case A also gets a logistic top-2-box model (q1 >= 9) with odds ratios and
# average marginal effects.
suppressPackageStartupMessages({
  library(jsonlite)
  library(sandwich)
  library(car)
})

cases <- list(
  customersat = list(file = "data/customersat.csv", outcome = "q1",
                     drivers = paste0("q", 2:10), na_code = NA),
  corporate_reputation = list(file = "data/corporate_reputation.csv",
                              outcome = "cusl_1",
                              drivers = paste0("qual_", 1:8), na_code = -99))

named <- function(v) as.list(unclass(v))  # named vector -> JSON object
# p-value of a t statistic with df degrees of freedom (two-sided)
p_t <- function(t, df) 2 * pt(-abs(t), df)

# ---------------------------------------------------------------- 1. OLS fit
ols_record <- function(fit) {
  s <- summary(fit)
  ct <- coef(s)            # Estimate, Std. Error, t value, Pr(>|t|)
  ci <- confint(fit, level = 0.95)
  coefs <- lapply(rownames(ct), function(term) list(
    estimate = ct[term, "Estimate"], se = ct[term, "Std. Error"],
    t = ct[term, "t value"], p = ct[term, "Pr(>|t|)"],
    ci_lower = ci[term, 1], ci_upper = ci[term, 2]))
  names(coefs) <- rownames(ct)
  f <- s$fstatistic        # value, numdf, dendf
  list(call = "lm(y ~ drivers, data = d)",
       terms = rownames(ct),
       coefficients = coefs,
       ci_level = 0.95,
       r_squared = s$r.squared,
       adj_r_squared = s$adj.r.squared,
       f_statistic = list(value = f[["value"]], df1 = f[["numdf"]],
                          df2 = f[["dendf"]],
                          p = pf(f[["value"]], f[["numdf"]], f[["dendf"]],
                                 lower.tail = FALSE)),
       sigma = s$sigma,                 # residual standard error
       df_residual = df.residual(fit),
       nobs = nobs(fit))
}

# ------------------------------------------------------- 2. robust (HC) SEs
robust_record <- function(fit, type) {
  V <- vcovHC(fit, type = type)
  est <- coef(fit)
  se <- sqrt(diag(V))
  t <- est / se
  df <- df.residual(fit)
  half <- qt(0.975, df) * se  # lmtest::coefci(fit, vcov. = V): the t(df) quantile
  list(call = sprintf('sandwich::vcovHC(fit, type = "%s")', type),
       se = named(se), t = named(t),
       p = named(p_t(t, df)),  # t reference, df = n - p - 1, as lmtest::coeftest(fit, vcov. = V)
       ci_level = 0.95,
       ci_lower = named(est - half), ci_upper = named(est + half),
       df = df)
}

# Independent check of HC3 from the textbook formula
# (X'X)^-1 X' diag(e_i^2 / (1 - h_i)^2) X (X'X)^-1.
check_hc3 <- function(fit) {
  X <- model.matrix(fit); e <- residuals(fit); h <- hatvalues(fit)
  B <- solve(crossprod(X))
  V <- B %*% crossprod(X * (e / (1 - h))) %*% B
  stopifnot(max(abs(V - vcovHC(fit, type = "HC3"))) < 1e-12)
}

# ---------------------------------------------------- 3. standardized betas
std_beta_record <- function(d, outcome, drivers) {
  z <- as.data.frame(scale(d[, c(outcome, drivers)]))
  fit_z <- lm(reformulate(drivers, response = outcome, intercept = FALSE),
              data = z)
  list(call = "lm(y ~ 0 + drivers, data = as.data.frame(scale(d[, c(y, drivers)])))",
       beta = named(coef(fit_z)))
}

# ------------------------------------------------------- 4. collinearity
collinearity_record <- function(fit, X) {
  ev <- eigen(cor(X), symmetric = TRUE, only.values = TRUE)$values
  list(vif = named(car::vif(fit)),
       # largest / smallest singular value of the centred and scaled design
       # (no intercept column). Equals sqrt(max/min eigenvalue of cor(X)).
       kappa_scaled_design = kappa(scale(X), exact = TRUE),
       # condition index from the driver correlation matrix
       condition_index_cor = sqrt(max(ev) / min(ev)),
       cor_eigenvalues = ev)             # decreasing order
}

# ------------------------------------------ 5. LMG (Lindeman, Merenda & Gold)
# R2 of every subset of the drivers, fitted with lm(); the key of a subset is
# its driver names in the original order, joined by "+" ("(none)" = empty set).
all_subset_r2 <- function(d, outcome, drivers) {
  r2 <- c("(none)" = 0)                  # empty model: R2 = 0
  for (k in seq_along(drivers)) {
    for (S in combn(drivers, k, simplify = FALSE)) {
      r2[paste(S, collapse = "+")] <-
        summary(lm(reformulate(S, response = outcome), data = d))$r.squared
    }
  }
  r2
}

lmg_record <- function(d, outcome, drivers) {
  r2 <- all_subset_r2(d, outcome, drivers)
  key <- function(S) if (length(S) == 0) "(none)" else
    paste(drivers[drivers %in% S], collapse = "+")
  p <- length(drivers)
  lmg <- sapply(drivers, function(j) {
    others <- setdiff(drivers, j)
    # for each subset size k = 0..p-1: mean increase over subsets of that size
    mean_gain <- sapply(0:(p - 1), function(k) {
      subsets <- if (k == 0) list(character(0))
                 else combn(others, k, simplify = FALSE)
      mean(sapply(subsets, function(S) r2[[key(c(S, j))]] - r2[[key(S)]]))
    })
    mean(mean_gain)                      # each subset size weighted equally
  })
  r2_full <- r2[[key(drivers)]]
  stopifnot(abs(sum(lmg) - r2_full) < 1e-10)
  list(method = "lmg: mean over subset sizes k = 0..p-1 of the mean R2 gain of adding the driver to the subsets of size k of the other drivers",
       n_subset_fits = length(r2) - 1,   # lm() fits (empty set not fitted)
       r_squared = r2_full,
       lmg = named(lmg),
       share = named(lmg / r2_full),     # lmg / R2, sums to 1
       sum_lmg = sum(lmg))
}

# ------------------------------- 6. logistic top-2-box model (case A only)
logistic_record <- function(d, outcome, drivers) {
  d$top2 <- as.integer(d[[outcome]] >= 9)
  fit <- glm(reformulate(drivers, response = "top2"), family = binomial,
             data = d)
  ct <- coef(summary(fit))  # Estimate, Std. Error, z value, Pr(>|z|)
  coefs <- lapply(rownames(ct), function(term) list(
    estimate = ct[term, "Estimate"], se = ct[term, "Std. Error"],
    z = ct[term, "z value"], p = ct[term, "Pr(>|z|)"],
    odds_ratio = exp(ct[term, "Estimate"])))
  names(coefs) <- rownames(ct)
  prob <- fitted(fit)                    # p_i
  ame <- sapply(drivers, function(j) mean(coef(fit)[[j]] * prob * (1 - prob)))
  list(outcome_definition = sprintf("top2 = as.integer(%s >= 9)", outcome),
       call = "glm(top2 ~ drivers, family = binomial, data = d)",
       nobs = nobs(fit), n_top2 = sum(d$top2),
       terms = rownames(ct),
       coefficients = coefs,
       ame = named(ame),                 # mean_i of b_j * p_i * (1 - p_i)
       deviance = deviance(fit), null_deviance = fit$null.deviance,
       df_residual = df.residual(fit), aic = AIC(fit), loglik = as.numeric(logLik(fit)),
       converged = fit$converged, iterations = fit$iter)
}

# ---------------------------------------------------------------- run cases
out <- list(case = "drivers_lm_sandwich_car",
            script = "tests/reference/drivers_lm_sandwich_car.R",
            r_version = R.version.string,
            car_version = as.character(packageVersion("car")),
            sandwich_version = as.character(packageVersion("sandwich")),
            jsonlite_version = as.character(packageVersion("jsonlite")),
            generated_on = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
            machine = paste(Sys.info()[["sysname"]], Sys.info()[["machine"]]),
            cases = list())

for (name in names(cases)) {
  cs <- cases[[name]]
  raw <- read.csv(file.path("../..", cs$file))
  if (!is.na(cs$na_code)) raw[raw == cs$na_code] <- NA
  used <- c(cs$outcome, cs$drivers)
  d <- raw[complete.cases(raw[, used]), used]

  fit <- lm(reformulate(cs$drivers, response = cs$outcome), data = d)
  check_hc3(fit)
  rec <- list(data_file = cs$file, na_code = cs$na_code,
              outcome = cs$outcome, drivers = cs$drivers,
              n_rows_file = nrow(raw), n = nrow(d),
              ols = ols_record(fit),
              robust = list(HC3 = robust_record(fit, "HC3"),
                            HC1 = robust_record(fit, "HC1")),
              standardized = std_beta_record(d, cs$outcome, cs$drivers),
              collinearity = collinearity_record(fit, as.matrix(d[, cs$drivers])),
              lmg = lmg_record(d, cs$outcome, cs$drivers),
              logistic = NA)             # written as null
  stopifnot(abs(rec$lmg$r_squared - rec$ols$r_squared) < 1e-12)
  if (name == "customersat")
    rec$logistic <- logistic_record(d, cs$outcome, cs$drivers)
  out$cases[[name]] <- rec
}

write_json(out, "drivers_lm_sandwich_car.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
message("wrote drivers_lm_sandwich_car.json")

a <- out$cases$customersat
cat(sprintf("customersat: R2 %.10f, lmg q2 %.10f, vif q2 %.10f, HC3 se q2 %.10f\n",
            a$ols$r_squared, a$lmg$lmg$q2, a$collinearity$vif$q2,
            a$robust$HC3$se$q2))
