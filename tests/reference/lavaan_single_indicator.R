# Reference case: lavaan's auto.fix.single (a factor with one indicator takes that indicator's
# residual variance as 0) in sem() fits (lavaan 0.6.14). Run from tests/reference/:
#   Rscript lavaan_single_indicator.R  ->  lavaan_single_indicator.json
#
# Data: the corporate reputation survey (data/corporate_reputation.csv of the repository, -99 =
# missing, complete cases of the items used). Models: quality -> satisfaction (one question,
# cusa) -> loyalty, by ML and MLR; and the same with the user's own "cusa ~~ cusa" (free: the
# rule does not apply to a residual variance the model writes).
suppressPackageStartupMessages({
  library(jsonlite)
  library(lavaan)
})

raw <- read.csv("../../data/corporate_reputation.csv")
raw[raw == -99] <- NA
quality <- paste0("qual_", 1:8)
loyalty <- paste0("cusl_", 1:3)
items <- c(quality, "cusa", loyalty)
d <- raw[complete.cases(raw[, items]), items]
chain <- paste0("QUAL =~ ", paste(quality, collapse = " + "), "\nCUSA =~ cusa\nCUSL =~ ",
                paste(loyalty, collapse = " + "), "\nCUSA ~ QUAL\nCUSL ~ CUSA\n")
cases <- list(
  ml = list(model = chain, estimator = "ML"),
  mlr = list(model = chain, estimator = "MLR"),
  user_residual = list(model = paste0(chain, "cusa ~~ cusa\nCUSA ~~ 0.5*CUSA\n"), estimator = "ML")
)
out <- list(lavaan = as.character(packageVersion("lavaan")), data = "data/corporate_reputation.csv",
            items = items, nobs = nrow(d), cases = list())
for (name in names(cases)) {
  cs <- cases[[name]]
  fit <- sem(cs$model, data = d, estimator = cs$estimator)
  pe <- parameterEstimates(fit, remove.nonfree = FALSE, standardized = TRUE)
  out$cases[[name]] <- list(model = cs$model, estimator = cs$estimator,
                            partable = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est,
                                                  se = pe$se, std_all = pe$std.all),
                            fit = as.list(fitMeasures(fit, c("npar", "df", "chisq", "cfi", "rmsea"))))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "lavaan_single_indicator.json")
