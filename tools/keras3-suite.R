# The R side of tools/run-keras3-suite.sh (keras3 and a current reticulate
# in .Rlib-keras3, first on the library path). Every part is judged by exit
# status or testthat's own results, never by words in the output.
#
#   Rscript keras3-suite.R readme README.md OUTDIR
#       writes the README's ```r blocks, in order, as OUTDIR/block-N.R
#   Rscript keras3-suite.R article FILE.Rmd OUTFILE.md
#       knits one article (R and Python chunks) with knitr: an error in a
#       chunk (other than one marked error = TRUE) fails
#   Rscript keras3-suite.R example FILE.Rd
#       runs one help page's examples (as R CMD check runs them, with
#       warnings as errors), kerasoptim attached; an error fails
#   Rscript keras3-suite.R keras3-tests TESTDIR FILTER OPTIMIZERS OUT.tsv
#       runs keras3's own tests (a copy of its tests/testthat) whose file
#       names match FILTER, with OPTIMIZERS = "keras3" (its own) or
#       "kerasoptim" (kerasoptim's optimizer_adam(), optimizer_adam_w() and
#       optimizer_adamax() bound in the tests' environment); one row per test
#       (file, test, passed, failed, skipped) in OUT.tsv
args <- commandArgs(TRUE)

readme_blocks <- function(readme, outdir) {
  lines <- readLines(readme, warn = FALSE)
  starts <- grep("^```r\\s*$", lines)
  ends <- grep("^```\\s*$", lines)
  dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
  for (i in seq_along(starts)) {
    end <- min(ends[ends > starts[i]])
    writeLines(lines[seq.int(starts[i] + 1L, end - 1L)],
               file.path(outdir, sprintf("block-%d.R", i)))
  }
  if (length(starts) == 0L) stop("no ```r blocks in ", readme)
}

knit_article <- function(input, output) {
  # knitr stops at the first chunk error, except in chunks with error = TRUE.
  owd <- setwd(dirname(input))
  on.exit(setwd(owd))
  knitr::opts_knit$set(progress = FALSE)
  # knit()'s default is error = TRUE (rmarkdown's, as pkgdown renders, FALSE).
  knitr::opts_chunk$set(error = FALSE)
  knitr::knit(basename(input), output = output, quiet = TRUE,
              envir = new.env(parent = globalenv()))
  invisible()
}

run_examples <- function(rd) {
  code <- tempfile(fileext = ".R")
  tools::Rd2ex(rd, code, commentDontrun = TRUE, commentDonttest = FALSE)
  if (!file.exists(code)) return(invisible())  # no examples
  library(kerasoptim)
  options(warn = 2)
  source(code, echo = TRUE, max.deparse.length = Inf,
         local = new.env(parent = globalenv()))
  invisible()
}

keras3_tests <- function(testdir, filter, optimizers, out) {
  stopifnot(optimizers %in% c("keras3", "kerasoptim"))
  Sys.setenv(KERAS3_SUITE_OPTIMIZERS = optimizers, NOT_CRAN = "true")
  # Bound in the tests' environment (a helper file, sourced by testthat
  # after keras3's own helpers): keras3's test code then calls these.
  writeLines(c(
    'if (identical(Sys.getenv("KERAS3_SUITE_OPTIMIZERS"), "kerasoptim")) {',
    '  optimizer_adam <- kerasoptim::optimizer_adam',
    '  optimizer_adam_w <- kerasoptim::optimizer_adam_w',
    '  optimizer_adamax <- kerasoptim::optimizer_adamax',
    '}',
    '# Which optimizers the tests get, checked once, before any test runs.',
    'local({',
    '  want <- Sys.getenv("KERAS3_SUITE_OPTIMIZERS")',
    '  for (f in c("optimizer_adam", "optimizer_adam_w", "optimizer_adamax")) {',
    '    cls <- class(get(f)())',
    '    ok <- if (want == "kerasoptim") any(startsWith(cls, "kerasoptim.")) else',
    '      !any(startsWith(cls, "kerasoptim.")) && any(startsWith(cls, "keras."))',
    '    if (!ok) stop(f, "() does not give ", want, "\'s optimizer: ", paste(cls, collapse = " "))',
    '  }',
    '})'
  ), file.path(testdir, "helper-zzz-kerasoptim.R"))
  library(testthat)
  res <- as.data.frame(test_dir(testdir, filter = filter, package = "keras3",
                                load_package = "installed", reporter = "summary",
                                stop_on_failure = FALSE, stop_on_warning = FALSE))
  if (nrow(res) == 0L) stop("no keras3 tests ran (filter: ", filter, ")")
  rows <- data.frame(file = res$file, test = gsub("[\t\n]", " ", res$test),
                     passed = res$passed,
                     failed = res$failed + as.integer(res$error),
                     skipped = as.integer(res$skipped))
  write.table(rows, out, sep = "\t", quote = FALSE, row.names = FALSE)
}

switch(args[[1]],
  readme = readme_blocks(args[[2]], args[[3]]),
  example = run_examples(normalizePath(args[[2]])),
  article = knit_article(normalizePath(args[[2]]), normalizePath(args[[3]], mustWork = FALSE)),
  "keras3-tests" = keras3_tests(args[[2]], args[[3]], args[[4]], args[[5]]),
  stop("unknown command: ", args[[1]])
)
