#' Optimizer that implements the Adam algorithm
#'
#' @description
#' Adam optimization is a stochastic gradient descent method that is based on
#' adaptive estimation of first-order and second-order moments.
#'
#' According to [Kingma et al., 2014](https://arxiv.org/abs/1412.6980), the
#' method is "*computationally efficient, has little memory requirement,
#' invariant to diagonal rescaling of gradients, and is well suited for
#' problems that are large in terms of data/parameters*".
#'
#' The optimizer is built by the Python package `kerasoptim` (class
#' `kerasoptim.Adam`), so the same call from Python gives the same optimizer.
#'
#' @eval param_docs("optimizer_adam")
#'
#' @returns A Keras optimizer (the Python object, as keras3's own
#'   `optimizer_adam()` returns one), for keras3's `compile()`:
#'   `model |> compile(optimizer = optimizer_adam(), loss = "mse")`, then
#'   `fit()`. Without keras3, pass it to the `compile()` method of a model
#'   made through reticulate (see the examples).
#'
#' @section References:
#' - [Kingma et al., 2014](https://arxiv.org/abs/1412.6980)
#' - [Reddi et al., 2018](https://openreview.net/pdf?id=ryQu7f-RZ) for
#'   `amsgrad`.
#'
#' @family optimizers
#' @export
#' @examplesIf kerasoptim::kerasoptim_available()
#' opt <- optimizer_adam(learning_rate = 0.01, amsgrad = TRUE)
#' opt
#'
#' if (requireNamespace("keras3", quietly = TRUE)) {
#'   # keras3: attach kerasoptim after keras3, or call kerasoptim::optimizer_adam()
#'   model <- keras3::keras_model_sequential(input_shape = 4) |>
#'     keras3::layer_dense(1)
#'   model |> keras3::compile(optimizer = opt, loss = "mse")
#'   x <- matrix(rnorm(32 * 4), ncol = 4)
#'   history <- model |> keras3::fit(x, x %*% c(1, -2, 0.5, 3), epochs = 2,
#'                                   verbose = 0)
#'   history$metrics$loss
#' } else {
#'   # Without keras3: the same model through reticulate
#'   keras <- reticulate::import("keras")
#'   model <- keras$Sequential(list(keras$Input(shape = list(4L)),
#'                                  keras$layers$Dense(1L)))
#'   model$compile(optimizer = opt, loss = "mse")
#' }
optimizer_adam <- function(learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999,
                           epsilon = 1e-07, amsgrad = FALSE,
                           weight_decay = NULL, clipnorm = NULL,
                           clipvalue = NULL, global_clipnorm = NULL,
                           use_ema = FALSE, ema_momentum = 0.99,
                           ema_overwrite_frequency = NULL, name = "adam", ...,
                           loss_scale_factor = NULL,
                           gradient_accumulation_steps = NULL) {
  call_factory("optimizer_adam", environment(), list(...))
}

#' Optimizer that implements the AdamW algorithm
#'
#' @description
#' AdamW optimization is a stochastic gradient descent method that is based on
#' adaptive estimation of first-order and second-order moments with an added
#' method to decay weights per the techniques discussed in the paper,
#' 'Decoupled Weight Decay Regularization' by
#' [Loshchilov, Hutter et al., 2019](https://arxiv.org/abs/1711.05101).
#'
#' According to [Kingma et al., 2014](https://arxiv.org/abs/1412.6980), the
#' underlying Adam method is "*computationally efficient, has little memory
#' requirement, invariant to diagonal rescaling of gradients, and is well
#' suited for problems that are large in terms of data/parameters*".
#'
#' The optimizer is built by the Python package `kerasoptim` (class
#' `kerasoptim.AdamW`).
#'
#' @eval param_docs("optimizer_adam_w")
#' @inherit optimizer_adam return
#'
#' @section References:
#' - [Loshchilov et al., 2019](https://arxiv.org/abs/1711.05101)
#' - [Kingma et al., 2014](https://arxiv.org/abs/1412.6980) for `adam`
#' - [Reddi et al., 2018](https://openreview.net/pdf?id=ryQu7f-RZ) for
#'   `amsgrad`.
#'
#' @family optimizers
#' @export
#' @examplesIf kerasoptim::kerasoptim_available()
#' opt <- optimizer_adam_w(learning_rate = 0.001, weight_decay = 0.01)
#' opt
#'
#' if (requireNamespace("keras3", quietly = TRUE)) {
#'   # keras3: attach kerasoptim after keras3, or call kerasoptim::optimizer_adam_w()
#'   model <- keras3::keras_model_sequential(input_shape = 4) |>
#'     keras3::layer_dense(1)
#'   model |> keras3::compile(optimizer = opt, loss = "mse")
#' } else {
#'   # Without keras3: the same model through reticulate
#'   keras <- reticulate::import("keras")
#'   model <- keras$Sequential(list(keras$Input(shape = list(4L)),
#'                                  keras$layers$Dense(1L)))
#'   model$compile(optimizer = opt, loss = "mse")
#' }
optimizer_adam_w <- function(learning_rate = 0.001, weight_decay = 0.004,
                             beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07,
                             amsgrad = FALSE, clipnorm = NULL,
                             clipvalue = NULL, global_clipnorm = NULL,
                             use_ema = FALSE, ema_momentum = 0.99,
                             ema_overwrite_frequency = NULL, name = "adamw",
                             ..., loss_scale_factor = NULL,
                             gradient_accumulation_steps = NULL) {
  call_factory("optimizer_adam_w", environment(), list(...))
}

#' Optimizer that implements the Adamax algorithm
#'
#' @description
#' Adamax, a variant of Adam based on the infinity norm, is a first-order
#' gradient-based optimization method. Due to its capability of adjusting the
#' learning rate based on data characteristics, it is suited to learn
#' time-variant process, e.g., speech data with dynamically changed noise
#' conditions. Default parameters follow those provided in the paper (see
#' references below).
#'
#' Initialization:
#'
#' ```
#' m <- 0  # Initialize initial 1st moment vector
#' u <- 0  # Initialize the exponentially weighted infinity norm
#' t <- 0  # Initialize timestep
#' ```
#'
#' The update rule for parameter `w` with gradient `g` is described at the end
#' of section 7.1 of the paper (see the reference section):
#'
#' ```
#' t <- t + 1
#' m <- beta1 * m + (1 - beta1) * g
#' u <- max(beta2 * u, abs(g))
#' current_lr <- learning_rate / (1 - beta1 ^ t)
#' w <- w - current_lr * m / (u + epsilon)
#' ```
#'
#' The optimizer is built by the Python package `kerasoptim` (class
#' `kerasoptim.Adamax`).
#'
#' @eval param_docs("optimizer_adamax")
#' @inherit optimizer_adam return
#'
#' @section References:
#' - [Kingma et al., 2014](https://arxiv.org/abs/1412.6980)
#'
#' @family optimizers
#' @export
#' @examplesIf kerasoptim::kerasoptim_available()
#' opt <- optimizer_adamax(learning_rate = 0.002)
#' opt
#'
#' if (requireNamespace("keras3", quietly = TRUE)) {
#'   # keras3: attach kerasoptim after keras3, or call kerasoptim::optimizer_adamax()
#'   model <- keras3::keras_model_sequential(input_shape = 4) |>
#'     keras3::layer_dense(1)
#'   model |> keras3::compile(optimizer = opt, loss = "mse")
#' } else {
#'   # Without keras3: the same model through reticulate
#'   keras <- reticulate::import("keras")
#'   model <- keras$Sequential(list(keras$Input(shape = list(4L)),
#'                                  keras$layers$Dense(1L)))
#'   model$compile(optimizer = opt, loss = "mse")
#' }
optimizer_adamax <- function(learning_rate = 0.001, beta_1 = 0.9,
                             beta_2 = 0.999, epsilon = 1e-07,
                             weight_decay = NULL, clipnorm = NULL,
                             clipvalue = NULL, global_clipnorm = NULL,
                             use_ema = FALSE, ema_momentum = 0.99,
                             ema_overwrite_frequency = NULL, name = "adamax",
                             ..., loss_scale_factor = NULL,
                             gradient_accumulation_steps = NULL) {
  call_factory("optimizer_adamax", environment(), list(...))
}

#' Optimizer that implements the LazyAdam algorithm
#'
#' @description
#' LazyAdam is Adam for large embedding tables. Which variables it updates
#' by rows is decided by structure, the same on every backend: a variable
#' whose gradient is sparse (TensorFlow's `IndexedSlices`, as an embedding
#' lookup produces there) and an embedding table (by default a variable
#' named `embeddings`, as Keras' `Embedding` layer names its table; JAX and
#' PyTorch hand its gradient over dense). Every other variable, a dense
#' layer's kernel for one, takes exactly Adam's step, as in TensorFlow
#' Addons for dense gradients. Set `opt$lazy_variable_names` before the
#' first step to choose other variables by name.
#'
#' In a variable updated by rows, a row (a slice along its first axis; an
#' element of a 1-D variable) takes part in a step only if its gradient,
#' repeated indices summed, is not entirely zero, whatever the gradient's
#' kind: a `mask_zero` padding row sits out on every backend (TensorFlow
#' Addons let a listed row with zero values take part). Rows that take part
#' get Adam's update of their moments and weights; the other rows keep
#' their moments and weights unchanged. `amsgrad = TRUE` keeps the maximum
#' velocity per row, and `weight_decay` decays only the rows that take
#' part.
#'
#' This brings back TensorFlow Addons' `LazyAdam` for Keras 3. Gradient
#' accumulation adds gradients densely, so with
#' `gradient_accumulation_steps` only embedding tables are updated by rows,
#' those whose accumulated gradient is not zero.
#'
#' @eval param_docs("optimizer_lazy_adam")
#' @inherit optimizer_adam return
#'
#' @family optimizers
#' @export
#' @examplesIf kerasoptim::kerasoptim_available()
#' opt <- optimizer_lazy_adam(learning_rate = 0.01)
#' opt
#'
#' if (requireNamespace("keras3", quietly = TRUE)) {
#'   # keras3: attach kerasoptim after keras3, or call kerasoptim::optimizer_lazy_adam()
#'   model <- keras3::keras_model_sequential(input_shape = 4) |>
#'     keras3::layer_dense(1)
#'   model |> keras3::compile(optimizer = opt, loss = "mse")
#' } else {
#'   # Without keras3: the same model through reticulate
#'   keras <- reticulate::import("keras")
#'   model <- keras$Sequential(list(keras$Input(shape = list(4L)),
#'                                  keras$layers$Dense(1L)))
#'   model$compile(optimizer = opt, loss = "mse")
#' }
optimizer_lazy_adam <- function(learning_rate = 0.001, beta_1 = 0.9,
                                beta_2 = 0.999, epsilon = 1e-07,
                                amsgrad = FALSE, weight_decay = NULL,
                                clipnorm = NULL, clipvalue = NULL,
                                global_clipnorm = NULL, use_ema = FALSE,
                                ema_momentum = 0.99,
                                ema_overwrite_frequency = NULL,
                                name = "lazy_adam", ...,
                                loss_scale_factor = NULL,
                                gradient_accumulation_steps = NULL) {
  call_factory("optimizer_lazy_adam", environment(), list(...))
}
