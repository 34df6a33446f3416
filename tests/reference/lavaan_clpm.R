# Cross-lagged panel models (CLPM and RI-CLPM) for cxstats.sem.cross_lagged.
# Run from tests/reference/ (or the repository root):  Rscript lavaan_clpm.R
#
# The model syntax is written here, independently of cxstats, following the RI-CLPM
# tutorial of Mulder & Hamaker (2021; jeroendmulder.github.io/RI-CLPM): random
# intercepts RI_<x> =~ 1*x1 + 1*x2 + ..., within components w<x><t> =~ 1*x<t>, lagged
# regressions among the within components (free, or equal over waves by labels),
# covariances at wave 1 and of the residuals at later waves, observed residual variances
# fixed at 0, free wave means (x<t> ~ 1). Every parameter is written out, and each model is fitted with the tutorial's
# lavaan(model, data, meanstructure = TRUE, int.ov.free = TRUE); the script checks that
# sem() gives the same chi-square (the syntax does not depend on sem()'s defaults).
#
# Data:
#  - wages: plm::Wages (Debian r-cran-plm 2.6-2; GPL >= 2), the Cornwell & Rupert (1988)
#    PSID panel of 595 workers, 1976-1982: log wage (lwage) and weeks worked (wks, here in
#    tens of weeks: wks / 10) at 7 waves, reshaped wide to data/wages_panel.csv (written by
#    this script). In weeks, the within variances are ~15 against ~0.02 for log wage, and
#    lavaan's nlminb stops ~1e-5 (relative) short of the optimum on them (a tighter rel.tol
#    makes it report false convergence); in tens of weeks it converges to 1e-7.
#  - cx: data/cx_waves.csv and data/cx_waves_missing.csv, a simulated 4-wave panel from
#    cxstats.simulate_cx_waves (written by data/export_cx_waves.py).
if (basename(getwd()) != "reference") setwd("tests/reference")
source("reference_helpers.R")
suppressPackageStartupMessages(library(plm))

cross_lagged <- function(codes, waves, random_intercepts = TRUE, equal = FALSE) {
  w <- function(x, t) paste0("w", x, t)
  lines <- character()
  if (random_intercepts)
    for (x in codes) lines <- c(lines, paste0("RI_", x, " =~ ", paste0("1*", x, 1:waves, collapse = " + ")))
  for (x in codes) for (t in 1:waves) lines <- c(lines, paste0(w(x, t), " =~ 1*", x, t))
  for (t in 2:waves) for (y in codes) {
    terms <- sapply(codes, function(x) {
      lab <- if (!equal) "" else if (x == y) paste0("ar_", x, "*") else paste0("cl_", x, "_", y, "*")
      paste0(lab, w(x, t - 1))
    })
    lines <- c(lines, paste0(w(y, t), " ~ ", paste(terms, collapse = " + ")))
  }
  pairs <- combn(codes, 2, simplify = FALSE)
  for (t in 1:waves) for (p in pairs) lines <- c(lines, paste0(w(p[1], t), " ~~ ", w(p[2], t)))
  for (t in 1:waves) for (x in codes) lines <- c(lines, paste0(w(x, t), " ~~ ", w(x, t)))
  if (random_intercepts) {
    for (x in codes) lines <- c(lines, paste0("RI_", x, " ~~ RI_", x))
    for (p in pairs) lines <- c(lines, paste0("RI_", p[1], " ~~ RI_", p[2]))
    for (x in codes) for (y in codes) lines <- c(lines, paste0("RI_", x, " ~~ 0*", w(y, 1)))
  }
  for (x in codes) for (t in 1:waves) lines <- c(lines, paste0(x, t, " ~~ 0*", x, t))
  for (x in codes) for (t in 1:waves) lines <- c(lines, paste0(x, t, " ~ 1"))
  paste(lines, collapse = "\n")
}

# plm::Wages: 7 consecutive rows per worker (1976-1982), in the package's order
data("Wages", package = "plm")
n_workers <- nrow(Wages) / 7
wide <- data.frame(id = seq_len(n_workers))
for (t in 1:7) {
  rows <- (seq_len(n_workers) - 1) * 7 + t
  wide[[paste0("lwage", t)]] <- Wages$lwage[rows]
}
for (t in 1:7) {
  rows <- (seq_len(n_workers) - 1) * 7 + t
  wide[[paste0("wks", t)]] <- Wages$wks[rows] / 10
}
wages <- write_and_reload(wide, "data/wages_panel.csv")
cx <- read.csv("data/cx_waves.csv")
cx_missing <- read.csv("data/cx_waves_missing.csv")

fits <- list()
one <- function(name, codes, waves, data, data_file, ri, equal, missing = "listwise") {
  model <- cross_lagged(codes, waves, ri, equal)
  fit <- lavaan(model, data = data, meanstructure = TRUE, int.ov.free = TRUE, missing = missing)
  check <- sem(model, data = data, missing = missing)
  stopifnot(abs(fitMeasures(fit, "chisq") - fitMeasures(check, "chisq")) < 1e-8)
  call <- sprintf("lavaan(model, data = %s, meanstructure = TRUE, int.ov.free = TRUE, missing = \"%s\")",
                  data_file, missing)
  rec <- fit_record(fit, call, model, paste0("tests/reference/", data_file), modindices = FALSE)
  rec$constructs <- I(codes)
  rec$waves <- waves
  rec$random_intercepts <- ri
  rec$equal_lags <- equal
  fits[[name]] <<- rec
}
for (ri in c(TRUE, FALSE)) for (equal in c(FALSE, TRUE)) {
  tag <- paste0(if (ri) "riclpm" else "clpm", if (equal) "_equal" else "")
  one(paste0("wages_", tag), c("lwage", "wks"), 7, wages, "data/wages_panel.csv", ri, equal)
  one(paste0("cx_", tag), c("QUAL", "LOY"), 4, cx, "data/cx_waves.csv", ri, equal)
}
one("cx_riclpm_fiml", c("QUAL", "LOY"), 4, cx_missing, "data/cx_waves_missing.csv", TRUE, FALSE, missing = "ml")
one("cx_riclpm_equal_fiml", c("QUAL", "LOY"), 4, cx_missing, "data/cx_waves_missing.csv", TRUE, TRUE,
    missing = "ml")

out <- reference_header("lavaan_clpm")
out$data_sources <- list(
  wages = paste("plm::Wages (r-cran-plm 2.6-2, GPL >= 2): Cornwell & Rupert (1988), PSID 1976-1982,",
                "595 workers; lwage = log wage, wks = weeks worked / 10"),
  cx = "cxstats.simulate_cx_waves(400, waves = 4, seed = 20261207), tests/reference/data/export_cx_waves.py")
out$fits <- fits
write_reference(out, "lavaan_clpm.json")
