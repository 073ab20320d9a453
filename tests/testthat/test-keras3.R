# A stand-in for keras3 (its three optimizers that kerasoptim's mask),
# installed into a temporary library.
fake_keras3 <- function() {
  src <- file.path(tempfile("keras3-src-"), "keras3")
  dir.create(file.path(src, "R"), recursive = TRUE)
  writeLines(c("Package: keras3", "Version: 0.0.1", "Title: Fake", "License: MIT",
               "Description: A stand-in.", "Author: none", "Maintainer: none <a@b.c>"),
             file.path(src, "DESCRIPTION"))
  writeLines("export(optimizer_adam, optimizer_adam_w, optimizer_adamax)",
             file.path(src, "NAMESPACE"))
  writeLines("optimizer_adam <- optimizer_adam_w <- optimizer_adamax <- function(...) 'keras3'",
             file.path(src, "R", "optimizers.R"))
  lib <- tempfile("keras3-lib-")
  dir.create(lib)
  status <- system2(file.path(R.home("bin"), "R"),
                    c("CMD", "INSTALL", "--no-test-load", paste0("--library=", lib), src),
                    stdout = FALSE, stderr = FALSE)
  stopifnot(status == 0L)
  lib
}

test_that("attaching keras3 after kerasoptim says which optimizers it masks", {
  lib <- fake_keras3()
  note <- "keras3 was attached after kerasoptim: optimizer_adam(), optimizer_adam_w(), optimizer_adamax() now call keras3's optimizers"
  after <- run_rscript("library(kerasoptim); library(keras3); cat(optimizer_adam())", libs = lib)
  expect_identical(after$status, 0L)
  expect_match(after$output, note, fixed = TRUE)
  expect_match(after$output, "kerasoptim::optimizer_adam()", fixed = TRUE)
  before <- run_rscript("library(keras3); library(kerasoptim)", libs = lib)
  expect_identical(before$status, 0L)
  expect_no_match(before$output, "keras3 was attached", fixed = TRUE)
  quiet <- run_rscript("library(kerasoptim); suppressPackageStartupMessages(library(keras3))",
                       libs = lib)
  expect_no_match(quiet$output, "keras3 was attached", fixed = TRUE)
})
