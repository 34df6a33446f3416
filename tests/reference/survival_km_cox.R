# Kaplan-Meier curves, log-rank tests and Cox models from R's survival package, the
# reference for cxstats.kaplan_meier and cxstats.cox_model. Writes survival_km_cox.json.
# Run from tests/reference/:  Rscript survival_km_cox.R   (~1 s)
#
# Data (paths relative to the repository root):
#   tests/reference/data/lung.csv: survival::lung (NCCTG advanced lung cancer, 228 rows;
#     status 1 = censored, 2 = dead), written below and read back. Licence: that of the
#     survival package, LGPL (>= 2).
#   tests/reference/data/cx_panel_survival.csv: 1,000 customers of a simulated CX panel
#     (24-month retention, heavily tied monthly times, 4 countries), written by
#     tests/reference/data/export_cx_panel_survival.py:
#       panel = cxstats.simulate_cx_panel(250, seed=20240611)
#       emo = mean(EMO1, EMO2, EMO3, 8 - EMO4); sat = mean(SAT1..SAT3)
#       entry = 3 for every fourth respondent with tenure > 3, else 0
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

write_and_reload <- function(d, path) {
  write.csv(d, path, row.names = FALSE, na = "")
  back <- read.csv(path, na.strings = "")
  num <- vapply(d, is.numeric, logical(1))
  stopifnot(max(abs(as.matrix(back[num]) - as.matrix(d[num])), na.rm = TRUE) < 1e-12)
  back
}

lung_csv <- write_and_reload(survival::lung, "data/lung.csv")
lung_csv$dead <- lung_csv$status - 1
panel <- read.csv("data/cx_panel_survival.csv")

strata_labels <- function(fit, n) {
  if (is.null(fit$strata)) return(rep("all", n))
  sub("^[^=]*=", "", rep(names(fit$strata), fit$strata))
}

# Everything cxstats.kaplan_meier reports, for one survfit (+ survdiff) call.
km_record <- function(fit, call, data_file, at, diff = NULL, diff_call = NULL) {
  n <- length(fit$time)
  s <- summary(fit, censored = TRUE)  # every time, std.err of S (not of log S)
  curve <- data.frame(group = strata_labels(fit, n), time = fit$time, n_risk = fit$n.risk,
                      n_event = fit$n.event, n_censor = fit$n.censor, surv = fit$surv,
                      std_err = s$std.err, lower = fit$lower, upper = fit$upper)
  q <- quantile(fit, probs = 0.5)
  groups <- if (is.null(fit$strata)) "all" else sub("^[^=]*=", "", names(fit$strata))
  first <- function(v) if (is.null(dim(v))) unname(v) else unname(v[, 1])
  medians <- data.frame(group = groups, median = first(q$quantile), lower = first(q$lower),
                        upper = first(q$upper))
  table <- summary(fit)$table
  if (is.null(dim(table))) table <- t(as.matrix(table))
  st <- summary(fit, times = at, extend = FALSE)
  at_rows <- data.frame(group = if (is.null(st$strata)) rep("all", length(st$time))
                                else sub("^[^=]*=", "", as.character(st$strata)),
                        time = st$time, n_risk = st$n.risk, surv = st$surv,
                        std_err = st$std.err, lower = st$lower, upper = st$upper)
  rec <- list(call = call, data_file = data_file, conf_type = fit$conf.type,
              conf_int = fit$conf.int, curve = curve, medians = medians,
              n = unname(table[, "records"]), events = unname(table[, "events"]),
              at = at, at_times = at_rows)
  if (!is.null(diff)) {
    rec$logrank <- list(call = diff_call, chisq = diff$chisq, df = length(diff$n) - 1,
                        p = pchisq(diff$chisq, length(diff$n) - 1, lower.tail = FALSE),
                        observed = unname(diff$obs), expected = unname(diff$exp),
                        n = unname(as.vector(diff$n)))
  }
  rec
}

cox_record <- function(fit, call, data_file) {
  tab <- summary(fit)$coefficients
  ci <- summary(fit)$conf.int
  cc <- fit$concordance
  terms <- rownames(tab)
  list(call = call, data_file = data_file, ties = fit$method, n = fit$n, nevent = fit$nevent,
       terms = terms,
       coefficients = lapply(setNames(terms, terms), function(v) list(
         coef = tab[v, "coef"], se = tab[v, "se(coef)"], hr = tab[v, "exp(coef)"],
         z = tab[v, "z"], p = tab[v, "Pr(>|z|)"],
         hr_lower = ci[v, "lower .95"], hr_upper = ci[v, "upper .95"])),
       loglik_null = fit$loglik[1], loglik = fit$loglik[2],
       lr_test = list(statistic = unname(summary(fit)$logtest["test"]),
                      df = unname(summary(fit)$logtest["df"]),
                      p = unname(summary(fit)$logtest["pvalue"])),
       wald_test = list(statistic = unname(summary(fit)$waldtest["test"]),
                        p = unname(summary(fit)$waldtest["pvalue"])),
       score_test = list(statistic = unname(summary(fit)$sctest["test"]),
                         p = unname(summary(fit)$sctest["pvalue"])),
       concordance = list(concordance = unname(cc["concordance"]), std = unname(cc["std"]),
                          concordant = unname(cc["concordant"]), discordant = unname(cc["discordant"]),
                          tied_x = unname(cc["tied.x"]), tied_y = unname(cc["tied.y"])),
       iterations = fit$iter)
}

lung_file <- "tests/reference/data/lung.csv"
panel_file <- "tests/reference/data/cx_panel_survival.csv"

km <- list(
  lung_by_sex = km_record(
    survfit(Surv(time, dead) ~ sex, data = lung_csv), "survfit(Surv(time, status - 1) ~ sex, data = lung)",
    lung_file, at = c(100, 365, 730, 1000),
    survdiff(Surv(time, dead) ~ sex, data = lung_csv), "survdiff(Surv(time, status - 1) ~ sex, data = lung)"),
  lung_all = km_record(
    survfit(Surv(time, dead) ~ 1, data = lung_csv), "survfit(Surv(time, status - 1) ~ 1, data = lung)",
    lung_file, at = c(100, 365, 730)),
  panel_by_country = km_record(
    survfit(Surv(tenure_months, churned) ~ country, data = panel),
    "survfit(Surv(tenure_months, churned) ~ country, data = panel)", panel_file, at = c(6, 12, 24),
    survdiff(Surv(tenure_months, churned) ~ country, data = panel),
    "survdiff(Surv(tenure_months, churned) ~ country, data = panel)"),
  panel_entry_by_country = km_record(
    survfit(Surv(entry, tenure_months, churned) ~ country, data = panel),
    "survfit(Surv(entry, tenure_months, churned) ~ country, data = panel)", panel_file, at = c(6, 12, 24))
)
# survdiff has no delayed entry (left truncation). The same statistic on left-truncated risk
# sets (at risk for start < t <= stop) by explicit loops; checked against survdiff first.
logrank_cp <- function(start, stop, event, group) {
  lev <- sort(unique(group)); k <- length(lev)
  O <- E <- numeric(k); V <- matrix(0, k, k)
  for (t in sort(unique(stop[event == 1]))) {
    risk <- start < t & stop >= t
    n_g <- sapply(lev, function(g) sum(risk & group == g))
    d_g <- sapply(lev, function(g) sum(stop == t & event == 1 & group == g))
    n <- sum(n_g); d <- sum(d_g)
    O <- O + d_g; E <- E + d * n_g / n
    if (n > 1) V <- V + d * (n - d) / (n - 1) * (diag(n_g / n) - outer(n_g, n_g) / n^2)
  }
  z <- (O - E)[-1]
  chisq <- drop(t(z) %*% solve(V[-1, -1, drop = FALSE]) %*% z)
  list(call = "explicit loop (see logrank_cp in the script)", chisq = chisq, df = k - 1,
       p = pchisq(chisq, k - 1, lower.tail = FALSE), observed = O, expected = E,
       n = as.vector(table(group)))
}
check <- logrank_cp(rep(0, nrow(panel)), panel$tenure_months, panel$churned, panel$country)
stopifnot(abs(check$chisq - km$panel_by_country$logrank$chisq) < 1e-10)
km$panel_entry_by_country$logrank <- logrank_cp(panel$entry, panel$tenure_months, panel$churned, panel$country)

cox <- list(
  lung_efron = cox_record(coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung_csv),
                          "coxph(Surv(time, status - 1) ~ age + sex + ph.ecog, data = lung)", lung_file),
  lung_breslow = cox_record(coxph(Surv(time, dead) ~ age + sex + ph.ecog, data = lung_csv, ties = "breslow"),
                            "coxph(Surv(time, status - 1) ~ age + sex + ph.ecog, data = lung, ties = 'breslow')",
                            lung_file),
  panel_efron = cox_record(coxph(Surv(tenure_months, churned) ~ emo + sat + country, data = panel),
                           "coxph(Surv(tenure_months, churned) ~ emo + sat + country, data = panel)", panel_file),
  panel_entry_country = cox_record(coxph(Surv(entry, tenure_months, churned) ~ country, data = panel),
                                   "coxph(Surv(entry, tenure_months, churned) ~ country, data = panel)", panel_file)
)

out <- list(
  case = "survival_km_cox", script = "tests/reference/survival_km_cox.R",
  r_version = R.version.string, survival_version = as.character(packageVersion("survival")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  generated_on = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
  km = km, cox = cox
)
write_json(out, "survival_km_cox.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null",
           dataframe = "columns")
message("wrote survival_km_cox.json")
