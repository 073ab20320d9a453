# Rscript tools/testthat-counts.R COUNTS: the testthat suite of the package in
# the working directory, against the installed package. Writes "passed failed
# skipped" to COUNTS (testthat's own results, never its printed words); exits
# 1 on a failure or error, or when no test ran.
library(testthat)
res <- as.data.frame(test_local(".", reporter = "check",
                                load_package = "installed",
                                stop_on_failure = FALSE))
failed <- sum(res$failed) + sum(res$error)
cat(sum(res$passed), failed, sum(res$skipped), "\n",
    file = commandArgs(TRUE)[[1]])
if (failed > 0 || nrow(res) == 0) quit(status = 1)
