# Reference case 3: mediation on PoliticalDemocracy with labels and :=,
# fitted with standard (delta-method) SEs and with 1000 bootstrap draws.
# Run from tests/reference/:  Rscript lavaan_mediation.R  ->  lavaan_mediation.json
source("reference_helpers.R")

# Same CSV as case 2 (rewritten here so this script runs on its own).
data_file <- "tests/reference/data/political_democracy.csv"
pd <- write_and_reload(PoliticalDemocracy, "data/political_democracy.csv")

model <- "
# measurement model
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
# labelled regressions
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
# residual correlations (as in case 2)
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
# defined effects of ind60 on dem65
indirect := a*b
total := c + a*b
"

# Fit 1: sem() defaults; SEs of := parameters by the delta method.
fit <- sem(model, data = pd)
rec_std <- fit_record(fit, "sem(model, data = pd)", model, data_file,
                      modindices = FALSE)

# Fit 2: nonparametric bootstrap, 1000 draws, timed.
set.seed(20261123)
bootstrap_seconds <- system.time(
  fit_boot <- sem(model, data = pd, se = "bootstrap", bootstrap = 1000)
)[["elapsed"]]
rec_boot <- fit_record(fit_boot,
  'set.seed(20261123); sem(model, data = pd, se = "bootstrap", bootstrap = 1000)',
  model, data_file, modindices = FALSE)
rec_boot$bootstrap_seconds <- bootstrap_seconds
rec_boot$seed <- 20261123
# se = SD of the draws; ci.lower/ci.upper = percentile CIs ...
rec_boot$parameters <- param_table(fit_boot, boot.ci.type = "perc")
# ... and the same table with bias-corrected (no acceleration) CIs.
rec_boot$parameters_bca <- param_table(fit_boot, boot.ci.type = "bca.simple")
# The draws themselves (one row per successful draw, one column per free
# parameter in parTable `free` order), so CI code can be checked exactly.
draws <- lavInspect(fit_boot, "boot")
rec_boot$boot_draws <- list(colnames = colnames(draws), values = unname(draws))

out <- c(reference_header("lavaan_mediation"),
         list(bootstrap_seconds = bootstrap_seconds,
              fits = list(standard = rec_std, bootstrap = rec_boot)))
write_reference(out, "lavaan_mediation.json")

# Spot checks: same chisq as case 2 (38.125 on 35 df), the defined effects.
print(fitMeasures(fit, c("chisq", "df")))
cat("bootstrap seconds:", bootstrap_seconds, "\n")
pe <- rec_boot$parameters; bca <- rec_boot$parameters_bca
print(cbind(rec_std$parameters[rec_std$parameters$op == ":=", c("lhs", "est", "se")],
            boot.se = pe$se[pe$op == ":="],
            perc.lo = pe$ci.lower[pe$op == ":="], perc.hi = pe$ci.upper[pe$op == ":="],
            bca.lo = bca$ci.lower[bca$op == ":="], bca.hi = bca$ci.upper[bca$op == ":="]))
