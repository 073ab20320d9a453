# Run R code in a fresh R process with this package's library path (after
# the folders in `libs`); returns the output lines and the exit status.
run_rscript <- function(code, env = character(), libs = character()) {
  rscript <- file.path(R.home("bin"), "Rscript")
  libs <- paste(c(libs, .libPaths()), collapse = .Platform$path.sep)
  env <- c(paste0("R_LIBS=", libs), env)
  out <- suppressWarnings(system2(rscript, c("--vanilla", "-e", shQuote(code)),
                                  env = env, stdout = TRUE, stderr = TRUE))
  list(output = paste(out, collapse = "\n"), status = attr(out, "status") %||% 0L)
}
`%||%` <- function(x, y) if (is.null(x)) y else x
