# Reference case: lavTestLRT() for nested models the user fitted, for
# cxstats.sem.compare(). Chi-square difference tests (ML), the Satorra-Bentler
# (2001) scaled difference (lavTestLRT's default for MLR) and the strictly
# positive Satorra-Bentler (2010) variant, with AIC/BIC and the per-model CFI and
# RMSEA (robust under MLR) that the comparison's fit-change columns difference.
# Run from tests/reference/:  Rscript lavaan_compare.R  ->  lavaan_compare.json
# (also works from the repository root: Rscript tests/reference/lavaan_compare.R)
if (!file.exists("reference_helpers.R") &&
    file.exists("tests/reference/reference_helpers.R")) setwd("tests/reference")
source("reference_helpers.R")

hs_file <- "tests/reference/data/holzinger_swineford.csv"
hs <- read.csv("data/holzinger_swineford.csv", na.strings = "")
xs <- paste0("x", 1:9)
stopifnot(max(abs(as.matrix(hs[xs]) -
                  as.matrix(HolzingerSwineford1939[xs]))) < 1e-12)
pd_file <- "tests/reference/data/political_democracy.csv"
pd <- read.csv("data/political_democracy.csv")
stopifnot(max(abs(as.matrix(pd) - as.matrix(PoliticalDemocracy))) < 1e-12)
ecsi_file <- "data/ecsi_mobile.csv"
ecsi <- read.csv(file.path("../..", ecsi_file))
mcar_file <- "tests/reference/data/hs_mcar.csv"  # written by lavaan_fiml.R
mcar <- read.csv("data/hs_mcar.csv", na.strings = "")

MEASURES <- c("npar", "chisq", "df", "pvalue", "aic", "bic", "ntotal", "cfi",
              "rmsea")
ROBUST <- c("chisq.scaled", "chisq.scaling.factor", "cfi.robust",
            "rmsea.robust")

# lavaan's optimiser, run to full precision: nlminb stops at rel.tol = 1e-10 with
# estimates ~1e-6 from the optimum, which moves the Yuan-Bentler scaling factors by
# ~1e-7 and, through the cancellation in cd = (df0 c0 - df1 c1) / (df0 - df1), the
# scaled differences by up to 1e-4. So each model is fitted with lavaan's defaults and
# then polished by BFGS (reltol = 1e-20) from those estimates: the largest gradient
# ends near 1e-8 (`max_abs_gradient_reduced`). ECSI's optimum stays flat (information
# condition ~1e8): there the scaling factor of the full model is determined to ~1e-6
# only (it moves that much between optimiser runs that agree on chi-square to 1e-9).
PRECISE <- list(optim.method = "BFGS", control = list(reltol = 1e-20, maxit = 100000))

# Largest gradient in the space the equality constraints leave free.
reduced_gradient <- function(fit) {
  g <- lavInspect(fit, "gradient")
  if (fit@Model@eq.constraints) g <- crossprod(fit@Model@eq.constraints.K, g)
  max(abs(g))
}

# One comparison: the models (syntax + the options of cfa()/sem() that the
# Python side repeats), passed to lavTestLRT() in the order given (not sorted:
# lavTestLRT sorts them by df), with the warnings lavaan raised.
#   fitter : "cfa" or "sem";  options : list of extra arguments (group, estimator, ...)
#   models : named list of model syntax;  group_equal : named list (per model)
compare_case <- function(fitter, data, data_file, models, options,
                         group_equal = list(), methods = "default") {
  fits <- lapply(names(models), function(name) {
    args <- c(list(model = models[[name]], data = data), options)
    if (!is.null(group_equal[[name]])) args$group.equal <- group_equal[[name]]
    first <- do.call(fitter, args)
    do.call(fitter, c(args, PRECISE, list(start = first)))
  })
  names(fits) <- names(models)
  robust <- !is.null(options$estimator) && options$estimator == "MLR"
  measures <- lapply(fits, function(f) {
    as.list(unclass(fitMeasures(f, c(MEASURES, if (robust) ROBUST))))
  })
  lrt <- lapply(methods, function(method) {
    out <- with_warnings(do.call(lavTestLRT, c(unname(fits), list(
      method = method, model.names = names(fits)))))
    c(list(call = paste0("lavTestLRT(", paste(names(fits), collapse = ", "),
                         ", method = \"", method, "\")")),
      lrt_json(out$value), list(warnings = out$warnings))
  })
  names(lrt) <- methods
  list(data_file = data_file,
       fitter = fitter,
       options = options,  # besides PRECISE
       models = lapply(names(models), function(name) list(
         name = name, model = models[[name]],
         group_equal = I(if (is.null(group_equal[[name]])) character(0)
                         else group_equal[[name]]),
         converged = lavInspect(fits[[name]], "converged"),
         max_abs_gradient_reduced = reduced_gradient(fits[[name]]))),
       fit_measures = measures,
       lrt = lrt)
}

hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
# A ladder of four nested CFAs: a cross-loading (23 df), the 3-factor CFA (24),
# equal loadings within each factor (27), and uncorrelated factors (30).
hs_ladder <- list(
  equal = "
visual  =~ x1 + a*x2 + a*x3
textual =~ x4 + b*x5 + b*x6
speed   =~ x7 + c*x8 + c*x9
",
  cross = paste0(hs_model, "visual =~ x9\n"),
  orthogonal = "
visual  =~ x1 + a*x2 + a*x3
textual =~ x4 + b*x5 + b*x6
speed   =~ x7 + c*x8 + c*x9
visual ~~ 0*textual + 0*speed
textual ~~ 0*speed
",
  cfa = hs_model)

# Political Democracy (lavaan tutorial): the SEM with residual covariances
# (35 df), equal loadings across the two waves (38), and without the residual
# covariances (44).
pd_full <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"
pd_equal <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"
pd_plain <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
"
pd_ladder <- list(full = pd_full, plain = pd_plain, equal = pd_equal)

# ECSI (bundled mobile-phone data): the structural model, and the same model
# without the direct image paths to satisfaction and loyalty (3 df more).
ecsi_full <- "
IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
CUEX =~ CUEX1 + CUEX2 + CUEX3
PERQ =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
PERV =~ PERV1 + PERV2
CUSA =~ CUSA1 + CUSA2 + CUSA3
CUSL =~ CUSL1 + CUSL2 + CUSL3
CUEX  ~ IMAG
PERQ  ~ CUEX
PERV  ~ CUEX + PERQ
CUSA  ~ IMAG + CUEX + PERQ + PERV
CUSCO ~ CUSA
CUSL  ~ IMAG + CUSA + CUSCO
"
ecsi_restricted <- "
IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
CUEX =~ CUEX1 + CUEX2 + CUEX3
PERQ =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
PERV =~ PERV1 + PERV2
CUSA =~ CUSA1 + CUSA2 + CUSA3
CUSL =~ CUSL1 + CUSL2 + CUSL3
CUEX  ~ IMAG
PERQ  ~ CUEX
PERV  ~ CUEX + PERQ
CUSA  ~ PERQ + PERV
CUSCO ~ CUSA
CUSL  ~ CUSA
"
ecsi_pair <- list(full = ecsi_full, restricted = ecsi_restricted)

# Two groups (school): equal loadings, and also equal latent variances and
# covariances.
mg_equal <- list(metric = "loadings",
                 lv_equal = c("loadings", "lv.variances", "lv.covariances"))
mg_pair <- list(metric = hs_model, lv_equal = hs_model)

# Not nested: two 23-df models (same df) and a 22-df model that fits worse than
# a 23-df one (lavaan warns in both cases).
not_nested <- list(
  two_residuals = paste0(hs_model, "x1 ~~ x4\nx2 ~~ x5\n"),
  residual = paste0(hs_model, "x7 ~~ x8\n"),
  cross = paste0(hs_model, "visual =~ x9\n"))

# FIML with MCAR gaps (MLR): the CFA and the CFA with two equal loadings.
fiml_pair <- list(cfa = hs_model, equal = "
visual  =~ x1 + a*x2 + a*x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
")

SB <- c("default", "satorra.bentler.2010")
cases <- list(
  hs_ladder_ml = compare_case("cfa", hs, hs_file, hs_ladder, list()),
  hs_ladder_mlr = compare_case("cfa", hs, hs_file, hs_ladder,
                               list(estimator = "MLR"), methods = SB),
  poldem_ml = compare_case("sem", pd, pd_file, pd_ladder, list()),
  poldem_mlr = compare_case("sem", pd, pd_file, pd_ladder,
                            list(estimator = "MLR"), methods = SB),
  ecsi_ml = compare_case("sem", ecsi, ecsi_file, ecsi_pair, list()),
  ecsi_mlr = compare_case("sem", ecsi, ecsi_file, ecsi_pair,
                          list(estimator = "MLR"), methods = SB),
  school_ml = compare_case("cfa", hs, hs_file, mg_pair, list(group = "school"),
                           group_equal = mg_equal),
  school_mlr = compare_case("cfa", hs, hs_file, mg_pair,
                            list(group = "school", estimator = "MLR"),
                            group_equal = mg_equal, methods = SB),
  not_nested_ml = compare_case("cfa", hs, hs_file, not_nested, list()),
  fiml_mlr = compare_case("cfa", mcar, mcar_file, fiml_pair,
                          list(estimator = "MLR", missing = "ml"),
                          methods = SB))

out <- c(reference_header("lavaan_compare"), list(cases = cases))
write_reference(out, "lavaan_compare.json")

# Spot checks.
for (name in names(cases)) {
  for (m in names(cases[[name]]$lrt)) {
    cat("\n==", name, m, "\n")
    print(cases[[name]]$lrt[[m]]$table[, c("model", "Df", "Chisq", "Chisq diff",
                                            "Df diff", "Pr(>Chisq)")])
    if (length(cases[[name]]$lrt[[m]]$warnings))
      print(cases[[name]]$lrt[[m]]$warnings)
  }
}
