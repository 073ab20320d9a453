# Training helpers: the same small regression problem and model, once built
# through reticulate from R, once entirely in Python (optimizer included, from
# the Python factory). Both set the same seed before building the model.
train_python_source <- "
import keras
import numpy as np
import kerasoptim

def kerasoptim_test_data():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(64, 4)).astype('float32')
    w = np.array([[1.0], [-2.0], [0.5], [3.0]], dtype='float32')
    return x, (x @ w + 0.1).astype('float32')

def kerasoptim_train_python(factory, kwargs, epochs=3):
    optimizer = getattr(kerasoptim, factory)(**kwargs)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(8, activation='relu'),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=optimizer, loss='mse')
    x, y = kerasoptim_test_data()
    history = model.fit(x, y, epochs=epochs, batch_size=16, shuffle=False,
                        verbose=0)
    return [float(v) for v in history.history['loss']]
"

train_python <- function(factory, kwargs = "{}") {
  main <- reticulate::py_run_string(train_python_source, local = FALSE)
  reticulate::py_eval(sprintf("kerasoptim_train_python('%s', %s)", factory, kwargs))
}

train_r <- function(optimizer, epochs = 3L) {
  keras <- reticulate::import("keras")
  main <- reticulate::py_run_string(train_python_source, local = FALSE)
  data <- main$kerasoptim_test_data()
  keras$utils$set_random_seed(1L)
  model <- keras$Sequential(list(
    keras$Input(shape = list(4L)),
    keras$layers$Dense(8L, activation = "relu"),
    keras$layers$Dense(1L)
  ))
  model$compile(optimizer = optimizer, loss = "mse")
  history <- model$fit(data[[1]], data[[2]], epochs = epochs, batch_size = 16L,
                       shuffle = FALSE, verbose = 0L)
  as.numeric(unlist(history$history$loss))
}
