# pkgdown::build_site() for tools/build-docs.sh, offline: no CRAN look-ups.
# Exits with status 1 after listing any warning pkgdown (or an example)
# gave; an error in an article stops the build by itself.
options(pkgdown.internet = FALSE)  # the home page's "View on CRAN" link
# downlit links a package that is not installed (keras3, in code that shows
# keras3) through CRAN's package list; offline there is none to read.
utils::assignInNamespace(
  "CRAN_urls", function() data.frame(Package = character(), URL = character()),
  ns = "downlit"
)
warned <- character()
withCallingHandlers(
  pkgdown::build_site(".", preview = FALSE, install = FALSE,
                      new_process = FALSE),
  warning = function(w) {
    warned <<- c(warned, conditionMessage(w))
    invokeRestart("muffleWarning")
  }
)
if (length(warned)) {
  cat("pkgdown warnings:", paste("-", warned), sep = "\n")
  quit(status = 1)
}
