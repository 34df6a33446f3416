# Reference case: score tests of a WLSMV fit with three groups, each parameter's equalities
# released together (lavaan 0.6.14 lavTestScore(release = ...), semTools 0.5.6). Run from
# tests/reference/:
#   Rscript lavaan_ordinal_score_groups.R  ->  lavaan_ordinal_score_groups.json, data/bfi_education.csv
#
# Data: psych::bfi agreeableness A1-A5 and conscientiousness C1-C5 (6-point items), complete
# cases with a known education, grouped as "secondary" (education 1-2), "some college" (3) and
# "degree" (4-5). Model: agree =~ A1-A5, consc =~ C1-C5, identified as Wu & Estabrook (2016)
# by measEq.syntax(..., ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016"), delta, with equal
# thresholds and loadings (the metric step), fitted by WLSMV. For every tied parameter (a
# threshold or a loading), lavTestScore releases its two "==" constraints (groups 2 and 3 against
# group 1) together: the 2-df test cxstats reports per parameter. Also the total test.
suppressPackageStartupMessages({
  library(jsonlite)
  library(lavaan)
  library(semTools)
  library(psych)
})

items <- c(paste0("A", 1:5), paste0("C", 1:5))
d <- bfi[complete.cases(bfi[, c(items, "education")]), c(items, "education")]
d$edu <- ifelse(d$education <= 2, "secondary", ifelse(d$education == 3, "some college", "degree"))
d$education <- NULL
write.csv(d, "data/bfi_education.csv", row.names = FALSE)
model <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
syntax <- measEq.syntax(model, data = d, ordered = items, group = "edu", ID.fac = "std.lv",
                        ID.cat = "Wu.Estabrook.2016", group.equal = c("thresholds", "loadings"))
fit <- cfa(as.character(syntax), data = d, ordered = items, group = "edu", estimator = "WLSMV")
pt <- parTable(fit)
eq <- pt[pt$op == "==", ]
first <- match(eq$lhs, pt$plabel)
key <- paste(pt$lhs[first], pt$op[first], pt$rhs[first])
tests <- list()
for (k in unique(key)) {
  idx <- which(key == k)
  sc <- suppressWarnings(lavTestScore(fit, release = idx, univariate = FALSE))
  tests[[length(tests) + 1]] <- list(lhs = pt$lhs[first[idx[1]]], op = pt$op[first[idx[1]]],
                                     rhs = pt$rhs[first[idx[1]]], x2 = sc$test$X2, df = sc$test$df)
}
total <- suppressWarnings(lavTestScore(fit, univariate = FALSE))
out <- list(lavaan = as.character(packageVersion("lavaan")), semtools = as.character(packageVersion("semTools")),
            model = model, items = items, group = "edu", groups = unique(d$edu),
            data = "data/bfi_education.csv", ntotal = lavInspect(fit, "ntotal"),
            fit = as.list(fitMeasures(fit, c("npar", "chisq", "df", "chisq.scaled"))),
            tests = tests, total = list(x2 = total$test$X2, df = total$test$df))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "lavaan_ordinal_score_groups.json")
