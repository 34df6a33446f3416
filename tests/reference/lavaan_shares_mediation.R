# Reference for SEMResult.explained_shares() and SEMResult.indirect_effects():
# a six-factor CX model (quality -> emotion/value -> satisfaction -> loyalty,
# plus an observed outcome REC) on 500 simulated respondents.
# Run from tests/reference/:  Rscript lavaan_shares_mediation.R  ->  lavaan_shares_mediation.json
#
# * indirect effects: labelled paths and `:=` definitions of every specific
#   indirect effect through EMO, their sums, the total effects and the
#   proportions mediated; est and delta-method se from parameterEstimates(),
#   std.all and its se from standardizedSolution().
# * explained shares: the model-implied correlations of every outcome and its
#   predictors (lavInspect(fit, "cor.all"); for latent variables this is
#   "cor.lv"), general dominance (LMG) by enumerating every subset of the
#   predictors with lm() on data generated with exactly those correlations
#   (MASS::mvrnorm(empirical = TRUE)), and Johnson's relative weights by hand
#   (eigen()). relaimpo is not installable here (no Debian package).
# * delta-method SEs of the dominance weights and shares: the Jacobian by
#   central differences (step 1e-5 relative) of the same computation done on
#   lavaan's implied correlations at perturbed parameter vectors
#   (sem(<parTable with ustart = perturbed>, do.fit = FALSE)), with vcov(fit).
source("reference_helpers.R")
suppressPackageStartupMessages(library(MASS))

data_file <- "tests/reference/data/cx_panel_mediation.csv"
d <- read.csv("data/cx_panel_mediation.csv")

model <- "
REL =~ REL1 + REL2 + REL3
RES =~ RES1 + RES2 + RES3
EMO =~ EMO1 + EMO2 + EMO3
VAL =~ VAL1 + VAL2 + VAL3
SAT =~ SAT1 + SAT2 + SAT3
LOY =~ LOY1 + LOY2 + LOY3
EMO ~ a1*REL + a2*RES
VAL ~ e1*REL + e2*RES
SAT ~ b1*EMO + f*VAL + c1*REL + c2*RES
LOY ~ d*SAT + b2*EMO + g*VAL
REC ~ LOY + SAT
# specific indirect effects through EMO
REL_EMO_SAT := a1*b1
REL_EMO_SAT_LOY := a1*b1*d
REL_EMO_LOY := a1*b2
REL_via_EMO_LOY := a1*b1*d + a1*b2
RES_EMO_SAT := a2*b1
RES_EMO_SAT_LOY := a2*b1*d
RES_EMO_LOY := a2*b2
RES_via_EMO_LOY := a2*b1*d + a2*b2
# total effects and proportions mediated
total_REL_SAT := c1 + a1*b1 + e1*f
total_REL_LOY := c1*d + a1*b1*d + a1*b2 + e1*f*d + e1*g
total_RES_SAT := c2 + a2*b1 + e2*f
total_RES_LOY := c2*d + a2*b1*d + a2*b2 + e2*f*d + e2*g
prop_REL_EMO_SAT := a1*b1 / (c1 + a1*b1 + e1*f)
prop_RES_via_EMO_LOY := (a2*b1*d + a2*b2) / (c2*d + a2*b1*d + a2*b2 + e2*f*d + e2*g)
"
fit <- sem(model, data = d)
pe <- as.data.frame(parameterEstimates(fit))
ss <- as.data.frame(standardizedSolution(fit))
defined <- pe[pe$op == ":=", c("lhs", "rhs", "est", "se")]
defined$std_all <- ss$est.std[ss$op == ":="]
defined$std_all_se <- ss$se[ss$op == ":="]

outcomes <- list(EMO = c("REL", "RES"), VAL = c("REL", "RES"),
                 SAT = c("EMO", "VAL", "REL", "RES"), LOY = c("SAT", "EMO", "VAL"),
                 REC = c("LOY", "SAT"))

lmg_lm <- function(r) {  # r: correlations, outcome first
  p <- ncol(r) - 1
  z <- mvrnorm(200, mu = rep(0, p + 1), Sigma = r, empirical = TRUE)
  colnames(z) <- c("y", paste0("x", 1:p))
  z <- as.data.frame(z)
  r2 <- function(s) if (length(s) == 0) 0 else
    summary(lm(reformulate(paste0("x", s), "y"), data = z))$r.squared
  out <- numeric(p)
  for (j in 1:p) {
    others <- setdiff(1:p, j)
    for (k in 0:(p - 1)) {
      sets <- if (k == 0) list(integer(0)) else if (length(others) == 1) list(others) else
        combn(others, k, simplify = FALSE)  # combn(3, 1) would mean combn(1:3, 1)
      gain <- mean(vapply(sets, function(s) r2(c(s, j)) - r2(s), 0))
      out[j] <- out[j] + gain / p
    }
  }
  out
}
lmg_solve <- function(r) {  # the same by normal equations (for the Jacobian)
  p <- ncol(r) - 1
  r2 <- function(s) if (length(s) == 0) 0 else {
    i <- s + 1; drop(r[1, i] %*% solve(r[i, i, drop = FALSE], r[i, 1]))
  }
  out <- numeric(p)
  for (j in 1:p) {
    others <- setdiff(1:p, j)
    for (k in 0:(p - 1)) {
      sets <- if (k == 0) list(integer(0)) else if (length(others) == 1) list(others) else
        combn(others, k, simplify = FALSE)
      out[j] <- out[j] + mean(vapply(sets, function(s) r2(c(s, j)) - r2(s), 0)) / p
    }
  }
  out
}
johnson <- function(r) {
  rxx <- r[-1, -1, drop = FALSE]; rxy <- r[-1, 1]
  e <- eigen(rxx, symmetric = TRUE)
  lam <- e$vectors %*% diag(sqrt(e$values), length(e$values)) %*% t(e$vectors)
  beta <- solve(lam, rxy)
  drop(lam^2 %*% beta^2)
}
implied_cor <- function(f) lavInspect(f, "cor.all")

cor_all <- implied_cor(fit)
r2_model <- lavInspect(fit, "r2")
shares <- list()
for (o in names(outcomes)) {
  v <- c(o, outcomes[[o]])
  r <- cor_all[v, v]
  l <- lmg_lm(r)
  stopifnot(max(abs(l - lmg_solve(r))) < 1e-10)
  shares[[o]] <- list(predictors = I(outcomes[[o]]), r2 = sum(l), r2_model = unname(r2_model[o]),
                      dominance = I(l), share = I(l / sum(l)), relative_weight = I(johnson(r)),
                      implied_cor = matrix_json(r))
}

# Delta-method SEs of dominance weights and shares.
pt <- parTable(fit)
theta <- coef(fit)
V <- vcov(fit)
at <- function(x) {
  p2 <- pt
  p2$ustart[p2$free > 0] <- x  # free parameters stay free; do.fit = FALSE keeps x
  p2$start <- NULL; p2$est <- NULL; p2$se <- NULL
  f2 <- sem(p2, data = d, do.fit = FALSE)
  implied_cor(f2)
}
stopifnot(max(abs(at(theta) - cor_all)) < 1e-10)
values <- function(x) {
  ca <- at(x)
  unlist(lapply(names(outcomes), function(o) {
    v <- c(o, outcomes[[o]]); l <- lmg_solve(ca[v, v]); c(l, l / sum(l))
  }))
}
J <- sapply(seq_along(theta), function(j) {
  h <- 1e-5 * max(1, abs(theta[j]))
  up <- theta; dn <- theta; up[j] <- up[j] + h; dn[j] <- dn[j] - h
  (values(up) - values(dn)) / (2 * h)
})
se <- sqrt(diag(J %*% V %*% t(J)))
pos <- 0
for (o in names(outcomes)) {
  p <- length(outcomes[[o]])
  shares[[o]]$dominance_se <- I(se[pos + 1:p])
  shares[[o]]$share_se <- I(se[pos + p + 1:p])
  pos <- pos + 2 * p
}

out <- c(reference_header("lavaan_shares_mediation"),
         list(data_file = data_file, model = model, call = "sem(model, data = d)",
              fit_measures = as.list(unclass(fitMeasures(fit, c("chisq", "df", "cfi")))),
              defined = defined, shares = shares))
write_reference(out, "lavaan_shares_mediation.json")
print(defined)
str(shares$SAT[c("r2", "r2_model", "dominance", "relative_weight", "dominance_se")])
