# Writes data/customersat.csv from the bayesm package (Debian: r-cran-bayesm).
# Run from the repository root: Rscript data/scripts/export_customersat.R
library(bayesm)
data(customerSat)
out <- cbind(respondent = seq_len(nrow(customerSat)), customerSat)
write.csv(out, "data/customersat.csv", row.names = FALSE)
cat(sprintf("bayesm %s: wrote %d rows x %d columns\n",
            as.character(packageVersion("bayesm")), nrow(out), ncol(out)))
