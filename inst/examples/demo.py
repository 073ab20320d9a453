"""kerasoptim demo, Python side.

Trains the same iris classifier as demo.R with optimizer_adam(),
optimizer_adam_w() and optimizer_adamax(), then reads the R history, prints
the comparison table and writes a PNG of the six loss curves.
Usage: python demo.py IRIS_CSV R_HISTORY_CSV OUTPUT_DIR
"""

import csv
import pathlib
import sys
import time

import keras
import numpy as np

from kerasoptim import optimizer_adam, optimizer_adam_w, optimizer_adamax

SPECIES = {"setosa": 0, "versicolor": 1, "virginica": 2}


def load_iris(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[k]) for k in list(r)[:4]] for r in rows])
    x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)  # as R's scale()
    y = np.array([SPECIES[r["Species"]] for r in rows], dtype="int32")
    return x.astype("float32"), y


def train(optimizer, x, y):
    keras.utils.set_random_seed(42)
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer=optimizer,
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x, y, epochs=30, batch_size=16, shuffle=False,
                        verbose=2)
    return history.history, time.perf_counter() - start


def read_r_history(path):
    runs = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            run = runs.setdefault(row["optimizer"], {
                "loss": [], "accuracy": [], "seconds": float(row["seconds"])})
            run["loss"].append(float(row["loss"]))
            run["accuracy"].append(float(row["accuracy"]))
    return runs


def main(iris_csv, r_history_csv, out_dir):
    out_dir = pathlib.Path(out_dir)
    x, y = load_iris(iris_csv)
    optimizers = {
        "adam": optimizer_adam(learning_rate=0.01),
        "adamw": optimizer_adam_w(learning_rate=0.01),
        "adamax": optimizer_adamax(learning_rate=0.02),
    }
    runs = {}
    for name, optimizer in optimizers.items():
        print(f"\n== Python: {name}")
        history, seconds = train(optimizer, x, y)
        runs[("Python", name)] = dict(history, seconds=seconds)
    for name, run in read_r_history(r_history_csv).items():
        runs[("R", name)] = run

    lines = [f"{'optimizer':<10}{'language':<10}{'final loss':>12}"
             f"{'accuracy':>10}{'seconds':>9}"]
    for (language, name), run in sorted(runs.items(),
                                        key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(f"{name:<10}{language:<10}{run['loss'][-1]:>12.4f}"
                     f"{run['accuracy'][-1]:>10.3f}{run['seconds']:>9.2f}")
    table = "\n".join(lines)
    print("\n" + table)
    (out_dir / "table.txt").write_text(table + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (language, name), run in sorted(runs.items()):
        ax.plot(range(1, len(run["loss"]) + 1), run["loss"],
                linestyle="-" if language == "Python" else "--",
                label=f"{name} ({language})")
    ax.set(xlabel="epoch", ylabel="training loss",
           title="kerasoptim on iris: R and Python")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "loss_curves.png", dpi=120)
    print(f"\nwrote {out_dir / 'table.txt'} and {out_dir / 'loss_curves.png'}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
