# Reference case 4: ECSI model on the mobile-phone data (data/ecsi_mobile.csv).
# Run from tests/reference/:  Rscript lavaan_ecsi.R  ->  lavaan_ecsi.json
source("reference_helpers.R")

data_file <- "data/ecsi_mobile.csv"  # 250 rows, 24 items scored 1-10
ecsi <- read.csv(file.path("../..", data_file))

model <- "
# measurement model (CUSCO is a single observed item, not a latent)
IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
CUEX =~ CUEX1 + CUEX2 + CUEX3
PERQ =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
PERV =~ PERV1 + PERV2
CUSA =~ CUSA1 + CUSA2 + CUSA3
CUSL =~ CUSL1 + CUSL2 + CUSL3
# structural model (labels are used by the := effects below)
CUEX  ~ IMAG
PERQ  ~ CUEX
PERV  ~ CUEX + q_v*PERQ
CUSA  ~ IMAG + CUEX + q_s*PERQ + v_s*PERV
CUSCO ~ s_c*CUSA
CUSL  ~ IMAG + s_l*CUSA + c_l*CUSCO
# indirect effects of perceived quality (PERQ) on loyalty (CUSL)
ind_qual_sat_loy          := q_s*s_l
ind_qual_val_sat_loy      := q_v*v_s*s_l
ind_qual_sat_comp_loy     := q_s*s_c*c_l
ind_qual_val_sat_comp_loy := q_v*v_s*s_c*c_l
total_ind_qual_loy        := q_s*s_l + q_v*v_s*s_l + q_s*s_c*c_l + q_v*v_s*s_c*c_l
"

# sem() defaults (ML, expected information, first loading fixed to 1).
fit <- sem(model, data = ecsi)
rec <- fit_record(fit, "sem(model, data = ecsi)", model, data_file)

# Diagnostics: IMAG, CUEX, PERQ and CUSA correlate .94-.995, so the structural
# paths are weakly determined (flat optimum). Record how ill-conditioned it is.
rec$cor_lv <- matrix_json(lavInspect(fit, "cor.lv"))
ev <- eigen(lavInspect(fit, "information"), symmetric = TRUE, only.values = TRUE)$values
rec$information_condition <- max(ev) / min(ev)

out <- c(reference_header("lavaan_ecsi"), list(fits = list(default = rec)))
write_reference(out, "lavaan_ecsi.json")

# Spot checks.
print(fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")))
pe <- rec$parameters
print(pe[pe$op %in% c("~", ":="), c("lhs", "op", "rhs", "label", "est", "se", "std.all")])
