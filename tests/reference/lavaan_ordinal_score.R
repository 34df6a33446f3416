# Reference case: score tests (lavTestScore, modindices) of WLSMV fits in the ordinal invariance
# ladder, and the partial models that free the parameter with the largest test (lavaan 0.6.14,
# semTools 0.5.6). Run from tests/reference/:
#   Rscript lavaan_ordinal_score.R  ->  lavaan_ordinal_score.json
#
# Data: data/hs_wlsmv_groups.csv (HolzingerSwineford1939 x1-x9 cut into 4 categories, by school;
# written by lavaan_wlsmv.R), the model and the Wu & Estabrook identification of
# semtools_ordinal_ladder.R. For each parameterization and each step with equalities:
#  * lavTestScore(fit): the univariate test of every "==" constraint (threshold and loading
#    equalities; lavaan ties shared labels by "==" rows) and the total test, each constraint
#    named by the parameters it ties (lhs, op, rhs of group 1);
#  * modindices(fit, free.remove = FALSE): the modification index of every fixed intercept of a
#    latent response (op "~1") and, under theta, residual variance (op "~~") in group 2 -- the
#    score test of freeing it (these are fixed at 0 / 1 by measEq.syntax, not tied by labels);
#  * the partial model: measEq.syntax(..., group.partial = <parameter with the largest test of
#    the equalities added at this step>) refitted, with its fit measures and parameter table;
#  * the search of the intercepts step run to its end (free the largest modification index while
#    it is significant at .05 and the step's scaled difference against the loadings step is
#    significant): each step's modification indices, the final partial model and its
#    lavTestLRT against the loadings step, and, under theta, the residuals step on top of it.
suppressPackageStartupMessages({
  library(jsonlite)
  library(lavaan)
  library(semTools)
})

d <- read.csv("data/hs_wlsmv_groups.csv")
items <- paste0("x", 1:9)
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
steps <- list(thresholds = "thresholds",
              loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"),
              residuals = c("thresholds", "loadings", "intercepts", "residuals"))
added <- list(thresholds = "|", loadings = "=~", intercepts = "~1", residuals = "~~")
keep <- c("npar", "chisq", "df", "chisq.scaled", "cfi.scaled", "rmsea.scaled", "srmr")

fit_step <- function(pz, equal, partial = "") {
  syntax <- measEq.syntax(model, data = d, ordered = items, group = "school", ID.fac = "std.lv",
                          ID.cat = "Wu.Estabrook.2016", parameterization = pz,
                          group.equal = equal, group.partial = partial)
  list(syntax = as.character(syntax),
       fit = cfa(as.character(syntax), data = d, ordered = items, group = "school",
                 parameterization = pz, estimator = "WLSMV"))
}

partable_of <- function(fit) {
  pe <- parameterEstimates(fit, remove.nonfree = FALSE)
  data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group, est = pe$est, se = pe$se)
}

out <- list(lavaan = as.character(packageVersion("lavaan")),
            semtools = as.character(packageVersion("semTools")),
            model = model, items = items, group = "school", groups = unique(d$school),
            data = "data/hs_wlsmv_groups.csv", cases = list())
for (pz in c("delta", "theta")) {
  names_here <- if (pz == "delta") names(steps)[1:3] else names(steps)
  for (step in names_here) {
    s <- fit_step(pz, steps[[step]])
    fit <- s$fit
    pt <- parTable(fit)
    rec <- list(parameterization = pz, step = step, group_equal = steps[[step]],
                ntotal = lavInspect(fit, "ntotal"))
    # equality constraints: "==" rows between plabels of group 1 and group 2
    eq <- pt[pt$op == "==", ]
    if (nrow(eq) > 0) {
      sc <- suppressWarnings(lavTestScore(fit))
      where <- function(lab) match(lab, pt$plabel)
      a <- where(sc$uni$lhs)
      b <- where(sc$uni$rhs)
      rec$score <- data.frame(lhs = pt$lhs[a], op = pt$op[a], rhs = pt$rhs[a],
                              group_a = pt$group[a], group_b = pt$group[b],
                              x2 = sc$uni$X2, df = sc$uni$df, p_value = sc$uni$p.value)
      rec$score_total <- list(x2 = sc$test$X2, df = sc$test$df, p_value = sc$test$p.value)
    }
    # fixed intercepts / residual variances of the latent responses in group 2
    mi <- modindices(fit, free.remove = FALSE, sort. = FALSE, minimum.value = -Inf)
    sel <- mi$group == 2 & mi$lhs %in% items &
      ((mi$op == "~1") | (pz == "theta" & mi$op == "~~" & mi$lhs == mi$rhs))
    mi <- mi[sel, ]
    rec$modindices <- data.frame(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, group = mi$group, mi = mi$mi)
    # the partial model freeing the largest test of this step's added equalities
    op <- added[[step]]
    if (op %in% c("|", "=~")) {
      cand <- rec$score[rec$score$op == op, ]
      top <- cand[which.max(cand$x2), ]
      partial <- if (op == "|") paste0(top$lhs, "|", top$rhs) else paste0(top$lhs, "=~", top$rhs)
    } else {
      cand <- rec$modindices[rec$modindices$op == op, ]
      top <- cand[which.max(cand$mi), ]
      partial <- if (op == "~1") paste0(top$lhs, "~1") else paste0(top$lhs, "~~", top$rhs)
    }
    p <- fit_step(pz, steps[[step]], partial)
    rec$partial <- list(parameter = partial, syntax = p$syntax, fit = as.list(fitMeasures(p$fit, keep)),
                        converged = lavInspect(p$fit, "converged"), partable = partable_of(p$fit))
    out$cases[[paste(pz, step, sep = "_")]] <- rec
  }
}
out$searches <- list()
for (pz in c("delta", "theta")) {
  metric <- fit_step(pz, steps$loadings)$fit
  freed <- character(0)
  current <- fit_step(pz, steps$intercepts)$fit
  rec <- list(steps = list())
  repeat {
    lrt <- lavTestLRT(metric, current)
    if (lrt[2, "Pr(>Chisq)"] >= 0.05) break
    mi <- modindices(current, free.remove = FALSE, sort. = FALSE, minimum.value = -Inf)
    mi <- mi[mi$group == 2 & mi$lhs %in% items & mi$op == "~1", ]
    top <- mi[which.max(mi$mi), ]
    if (1 - pchisq(top$mi, 1) >= 0.05) break
    freed <- c(freed, paste0(top$lhs, "~1"))
    rec$steps[[length(rec$steps) + 1]] <- list(parameter = paste0(top$lhs, "~1"), mi = top$mi,
                                               all = data.frame(lhs = mi$lhs, mi = mi$mi))
    current <- fit_step(pz, steps$intercepts, freed)$fit
  }
  lrt <- lavTestLRT(metric, current)
  rec$freed <- freed
  rec$final <- list(fit = as.list(fitMeasures(current, keep)), partable = partable_of(current),
                    lrt = list(chisq_diff = lrt[2, "Chisq diff"], df_diff = lrt[2, "Df diff"],
                               p_value = lrt[2, "Pr(>Chisq)"]))
  if (pz == "theta") {
    strict <- fit_step(pz, steps$residuals, freed)$fit
    lrt <- lavTestLRT(current, strict)
    rec$strict <- list(fit = as.list(fitMeasures(strict, keep)),
                       lrt = list(chisq_diff = lrt[2, "Chisq diff"], df_diff = lrt[2, "Df diff"],
                                  p_value = lrt[2, "Pr(>Chisq)"]))
  }
  out$searches[[pz]] <- rec
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "lavaan_ordinal_score.json")
