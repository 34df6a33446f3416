# Reference case 2: Political Democracy SEM (lavaan tutorial).
# Run from tests/reference/:  Rscript lavaan_poldem.R  ->  lavaan_poldem.json
source("reference_helpers.R")

# Data: lavaan's PoliticalDemocracy (75 rows), written to CSV so the Python
# tests need no R; the model is fitted on the CSV as read back.
data_file <- "tests/reference/data/political_democracy.csv"
pd <- write_and_reload(PoliticalDemocracy, "data/political_democracy.csv")

model <- "
# measurement model
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
# regressions
dem60 ~ ind60
dem65 ~ ind60 + dem60
# residual correlations
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"

# sem() defaults (ML, expected information, first loading fixed to 1).
fit <- sem(model, data = pd)
rec <- fit_record(fit, "sem(model, data = pd)", model, data_file)

# Timing: median elapsed seconds of 20 repeated sem() calls.
times <- replicate(20, system.time(sem(model, data = pd))[["elapsed"]])
rec$fit_seconds <- median(times)
rec$fit_seconds_all <- times

out <- c(reference_header("lavaan_poldem"), list(fits = list(default = rec)))
write_reference(out, "lavaan_poldem.json")

# Spot check against the lavaan tutorial: chisq 38.125 on 35 df.
print(fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")))
