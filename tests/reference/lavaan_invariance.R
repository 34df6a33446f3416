# Reference case: measurement invariance across schools (Holzinger-Swineford),
# ML and MLR, score tests, partial invariance, and a multi-group structural
# model with per-group labels, a `:=` difference and a Wald test.
# Run from tests/reference/:  Rscript lavaan_invariance.R  ->  lavaan_invariance.json
# (also works from the repository root: Rscript tests/reference/lavaan_invariance.R)
if (!file.exists("reference_helpers.R") &&
    file.exists("tests/reference/reference_helpers.R")) setwd("tests/reference")
source("reference_helpers.R")

# Data: the CSV written by lavaan_hs_cfa.R (lavaan's HolzingerSwineford1939).
data_file <- "tests/reference/data/holzinger_swineford.csv"
hs <- read.csv("data/holzinger_swineford.csv", na.strings = "")
xs <- paste0("x", 1:9)
stopifnot(max(abs(as.matrix(hs[xs]) -
                  as.matrix(HolzingerSwineford1939[xs]))) < 1e-12,
          identical(hs$school, as.character(HolzingerSwineford1939$school)))

model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"

# lavaan orders the groups by first appearance in the data: Pasteur, Grant-White.
levels_equal <- list(
  configural = "",  # cfa() default: no equality constraints
  metric = "loadings",
  scalar = c("loadings", "intercepts"),
  strict = c("loadings", "intercepts", "residuals")
)
equal_text <- function(ge) {
  if (identical(ge, "")) return("")
  paste0(", group.equal = c(", paste0('"', ge, '"', collapse = ", "), ")")
}

fit_levels <- function(estimator) {
  lapply(levels_equal, function(ge)
    cfa(model, data = hs, group = "school", estimator = estimator,
        group.equal = ge))
}
record_levels <- function(fits, estimator) {
  lapply(names(fits), function(nm) fit_record_full(
    fits[[nm]],
    sprintf('cfa(model, data = hs, group = "school", estimator = "%s"%s)',
            estimator, equal_text(levels_equal[[nm]])),
    model, data_file))
}

# --- ML: the four invariance levels and their chi-square difference tests ---
ml <- fit_levels("ML")
rec_ml <- setNames(record_levels(ml, "ML"), paste0(names(ml), "_ml"))
lrt_ml <- lrt_json(lavTestLRT(ml$configural, ml$metric, ml$scalar, ml$strict,
                              model.names = names(ml)))
lrt_ml$call <- "lavTestLRT(configural, metric, scalar, strict)"

# --- MLR: same levels; lavTestLRT uses a scaled difference test ---
mlr <- fit_levels("MLR")
rec_mlr <- setNames(record_levels(mlr, "MLR"), paste0(names(mlr), "_mlr"))
lrt_mlr <- lrt_json(lavTestLRT(mlr$configural, mlr$metric, mlr$scalar,
                               mlr$strict, model.names = names(mlr)))
lrt_mlr$call <- "lavTestLRT(configural, metric, scalar, strict)  # method = \"default\""
# The same comparisons with the 2010 Satorra-Bentler variant, for reference.
sb2010 <- with_warnings(lavTestLRT(mlr$configural, mlr$metric, mlr$scalar,
                                   mlr$strict, model.names = names(mlr),
                                   method = "satorra.bentler.2010"))
lrt_mlr_sb2010 <- lrt_json(sb2010$value)
lrt_mlr_sb2010$warnings <- sb2010$warnings
lrt_mlr_sb2010$call <- "lavTestLRT(configural, metric, scalar, strict, method = \"satorra.bentler.2010\")"

# --- Score tests of the scalar (ML) model's equality constraints ---
scalar <- ml$scalar
pt <- parTable(scalar)
st <- lavTestScore(scalar)  # defaults: univariate = TRUE, epc = FALSE
uni <- as.data.frame(st$uni)
lab <- function(pl) {
  r <- pt[match(pl, pt$plabel), ]
  stopifnot(nrow(r) == length(pl), !anyNA(r$id))
  r
}
L <- lab(uni$lhs)
R <- lab(uni$rhs)
stopifnot(identical(L$lhs, R$lhs), identical(L$op, R$op), identical(L$rhs, R$rhs))
glabels <- lavInspect(scalar, "group.label")
uni_rows <- data.frame(
  lhs = uni$lhs, op = uni$op, rhs = uni$rhs, X2 = uni$X2, df = uni$df,
  p.value = uni$p.value,
  par_lhs = L$lhs, par_op = L$op, par_rhs = L$rhs,
  parameter = paste(L$lhs, L$op, L$rhs),        # e.g. "x3 ~1 "
  group_lhs = glabels[L$group], group_rhs = glabels[R$group],
  kind = ifelse(L$op == "=~", "loadings",
                ifelse(L$op == "~1", "intercepts", L$op)),
  stringsAsFactors = FALSE)
uni_rows$parameter <- trimws(uni_rows$parameter)
ints <- uni_rows[uni_rows$kind == "intercepts", ]
top_int <- ints[which.max(ints$X2), ]
top_all <- uni_rows[which.max(uni_rows$X2), ]
partial_spec <- paste(top_int$par_lhs, "~ 1")  # e.g. "x3 ~ 1"
plabel_map <- data.frame(plabel = pt$plabel, lhs = pt$lhs, op = pt$op,
                         rhs = pt$rhs, group = pt$group,
                         group_label = ifelse(pt$group > 0,
                                              glabels[pmax(pt$group, 1)], ""),
                         free = pt$free, stringsAsFactors = FALSE)
plabel_map <- plabel_map[plabel_map$op != "==", ]
score_test <- list(
  call = "lavTestScore(scalar_ml)",
  information = "expected",  # lavTestScore() default
  total = as.data.frame(st$test),
  univariate = uni_rows,
  largest = list(overall = as.list(top_all), intercept = as.list(top_int)),
  plabel_map = plabel_map)

# --- Partial scalar invariance: free the intercept with the largest score ---
partial <- cfa(model, data = hs, group = "school",
               group.equal = c("loadings", "intercepts"),
               group.partial = partial_spec)
rec_partial <- fit_record_full(
  partial,
  sprintf('cfa(model, data = hs, group = "school", group.equal = c("loadings", "intercepts"), group.partial = "%s")',
          partial_spec),
  model, data_file)
lrt_partial <- lrt_json(lavTestLRT(ml$metric, partial, ml$scalar,
                                   model.names = c("metric", "partial_scalar", "scalar")))
lrt_partial$call <- "lavTestLRT(metric, partial_scalar, scalar)"

# --- Latent means of the second group in the scalar models (group 1 fixed at 0) ---
latent_means <- function(fit) {
  pe <- parameterEstimates(fit)
  lv <- lavNames(fit, "lv")
  g2 <- pe[pe$op == "~1" & pe$lhs %in% lv & pe$group == 2, ]
  g1 <- pe[pe$op == "~1" & pe$lhs %in% lv & pe$group == 1, ]
  stopifnot(all(g1$est == 0), all(g1$se == 0))
  list(group = lavInspect(fit, "group.label")[2],
       reference_group = lavInspect(fit, "group.label")[1],
       means = setNames(lapply(seq_len(nrow(g2)), function(i)
         list(est = g2$est[i], se = g2$se[i], z = g2$z[i],
              pvalue = g2$pvalue[i])), g2$lhs))
}
latent_means_scalar <- list(ml = latent_means(ml$scalar),
                            mlr = latent_means(mlr$scalar),
                            partial_scalar_ml = latent_means(partial))

# --- Multi-group structural model with per-group labels and a Wald test ---
model_sem <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
speed ~ c(b1, b2)*visual + textual
diff := b1 - b2
"
sem_fit <- sem(model_sem, data = hs, group = "school",
               group.equal = c("loadings", "intercepts"))
rec_sem <- fit_record_full(
  sem_fit,
  'sem(model_sem, data = hs, group = "school", group.equal = c("loadings", "intercepts"))',
  model_sem, data_file)
wald <- lavTestWald(sem_fit, constraints = "b1 == b2")
rec_sem$wald_b1_eq_b2 <- list(call = 'lavTestWald(fit, constraints = "b1 == b2")',
                              stat = wald$stat, df = wald$df,
                              p.value = wald$p.value, se = wald$se)

# group.equal = "regressions" does NOT override the user labels b1/b2: only
# speed ~ textual is constrained (df 61). The model without labels has all
# regressions equal (df 62). Both are stored.
sem_reg <- sem(model_sem, data = hs, group = "school",
               group.equal = c("loadings", "intercepts", "regressions"))
rec_sem_reg <- fit_record_full(
  sem_reg,
  'sem(model_sem, data = hs, group = "school", group.equal = c("loadings", "intercepts", "regressions"))',
  model_sem, data_file)
model_sem_nolab <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
speed ~ visual + textual
"
sem_allreg <- sem(model_sem_nolab, data = hs, group = "school",
                  group.equal = c("loadings", "intercepts", "regressions"))
rec_sem_allreg <- fit_record_full(
  sem_allreg,
  'sem(model_sem_nolab, data = hs, group = "school", group.equal = c("loadings", "intercepts", "regressions"))',
  model_sem_nolab, data_file)
lrt_sem <- lrt_json(lavTestLRT(sem_fit, sem_reg, sem_allreg,
                               model.names = c("sem_scalar", "sem_regressions_labelled",
                                               "sem_all_regressions_equal")))
lrt_sem$call <- "lavTestLRT(sem_scalar, sem_regressions_labelled, sem_all_regressions_equal)"

out <- c(reference_header("lavaan_invariance"), list(
  group_labels = I(lavInspect(ml$configural, "group.label")),
  fits = c(rec_ml, rec_mlr,
           list(partial_scalar_ml = rec_partial,
                sem_scalar = rec_sem,
                sem_regressions_labelled = rec_sem_reg,
                sem_all_regressions_equal = rec_sem_allreg)),
  lrt_ml = lrt_ml,
  lrt_mlr = lrt_mlr,
  lrt_mlr_sb2010 = lrt_mlr_sb2010,
  score_test_scalar_ml = score_test,
  partial_scalar = list(group_partial = partial_spec,
                        fit = "partial_scalar_ml", lrt = lrt_partial),
  latent_means_scalar = latent_means_scalar,
  lrt_sem = lrt_sem
))
write_reference(out, "lavaan_invariance.json")

# Spot checks.
print(sapply(ml, fitMeasures, c("chisq", "df", "cfi", "rmsea")))
print(lavTestLRT(mlr$configural, mlr$metric, mlr$scalar, mlr$strict))
print(uni_rows[order(-uni_rows$X2), c("lhs", "rhs", "parameter", "X2", "p.value")][1:5, ])
print(rec_sem$wald_b1_eq_b2)
