# Reference case 1: Holzinger-Swineford 3-factor CFA.
# Run from tests/reference/:  Rscript lavaan_hs_cfa.R  ->  lavaan_hs_cfa.json
source("reference_helpers.R")

# Data: lavaan's HolzingerSwineford1939 (301 rows), written to CSV so the
# Python tests need no R; the models are fitted on the CSV as read back.
data_file <- "tests/reference/data/holzinger_swineford.csv"
cols <- c("id", "sex", "ageyr", "agemo", "school", "grade", paste0("x", 1:9))
hs <- write_and_reload(HolzingerSwineford1939[, cols],
                       "data/holzinger_swineford.csv")

model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"

# Fit 1: cfa() defaults (ML, expected information, first loading fixed to 1).
fit <- cfa(model, data = hs)
rec_default <- fit_record(fit, "cfa(model, data = hs)", model, data_file)

# Timing: median elapsed seconds of 20 repeated cfa() calls.
times <- replicate(20, system.time(cfa(model, data = hs))[["elapsed"]])
rec_default$fit_seconds <- median(times)
rec_default$fit_seconds_all <- times

# Fit 2: same model, latent variances fixed to 1 instead (std.lv = TRUE).
fit_std <- cfa(model, data = hs, std.lv = TRUE)
rec_std <- fit_record(fit_std, "cfa(model, data = hs, std.lv = TRUE)",
                      model, data_file)

out <- c(reference_header("lavaan_hs_cfa"),
         list(fits = list(default = rec_default, std_lv = rec_std)))
write_reference(out, "lavaan_hs_cfa.json")

# Spot check against the lavaan tutorial: chisq 85.306 on 24 df.
print(fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")))
