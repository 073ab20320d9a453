"""Training across processes: two worker processes on the loopback
interface, started here, against the same training in one process.

TensorFlow (in the TensorFlow suite): `fit()` under
`MultiWorkerMirroredStrategy` (two workers of one CPU each, ring
collectives) with Adam, AdamW and Adamax gives `MirroredStrategy`'s weights
over two logical CPUs of one process; the AdamW model that worker 0 saved
resumes in this process as if never stopped.

JAX (in the JAX suite): two processes under `keras.distribution`
(`jax.distributed`, gloo CPU collectives), an embedding table whose rows are
split between the processes, trained with LazyAdam and with Adam, gives the
weights of the run on one device; the `.keras` file that process 0 wrote
resumes in this process.

The processes are `multiprocess_workers.py`; they hand results back in
files and are judged by exit status. Each group is bounded in time and
killed whole when one of its processes fails or time runs out.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import multiprocess_workers as workers
from helpers import BACKEND

WORKERS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "multiprocess_workers.py")
TIMEOUT = 120  # seconds for a whole group (measured: 15-30 s on 2 busy CPUs)
RTOL, ATOL = 1e-5, 1e-6  # float32 rounding of sums taken in another order


def free_ports(n):
    """`n` distinct ports that are free on 127.0.0.1 now."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def run_together(commands, out, timeout=TIMEOUT):
    """Run `multiprocess_workers.py` with each of `commands` at once, each
    process's output going to a log under `out`; fail, with the end of each
    failed log, unless every one exits 0 within `timeout` seconds (the
    others are then killed at once: a worker whose peer died would wait)."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env.update(KERAS_BACKEND=BACKEND, TF_CPP_MIN_LOG_LEVEL="3",
               JAX_PLATFORMS="cpu")
    logs = [os.path.join(out, f"process{i}.log") for i in range(len(commands))]
    procs = []
    try:
        for command, log in zip(commands, logs):
            with open(log, "wb") as sink:
                procs.append(subprocess.Popen(
                    [sys.executable, WORKERS, *map(str, command)],
                    stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=out,
                    start_new_session=True))
        deadline = time.monotonic() + timeout
        while (any(p.poll() is None for p in procs)
               and not any(p.returncode for p in procs)
               and time.monotonic() < deadline):
            time.sleep(0.1)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)  # its own session: only it
            p.wait()
    failures = []
    for command, p, log in zip(commands, procs, logs):
        if p.returncode != 0:
            with open(log, errors="replace") as f:
                tail = f.read()[-2000:]
            why = "killed" if p.returncode < 0 else f"exit {p.returncode}"
            failures.append(f"{' '.join(map(str, command))}: {why}\n{tail}")
    assert not failures, (f"not all done within {timeout} s:\n"
                          + "\n".join(failures))


def load(out, name):
    with np.load(os.path.join(out, name)) as data:
        return {k: data[k] for k in data.files}


def weights(results, prefix=""):
    count = sum(1 for k in results if k.startswith(prefix)
                and k[len(prefix):].isdigit())
    return [results[f"{prefix}{i}"] for i in range(count)]


def assert_close(actual, expected, what):
    assert len(actual) == len(expected) > 0, what
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL,
                                   err_msg=f"{what}, weight #{i}")


def resumed_equals_uninterrupted(path, make_model, data, epochs, batch,
                                 optimizer):
    """Load `path` (saved after `epochs` epochs), train one epoch more; the
    same as `epochs + 1` epochs in one go in this process."""
    x, y = data
    steps = epochs * len(x) // batch
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer).__name__ == optimizer
    assert type(loaded.optimizer).__module__.startswith("kerasoptim")
    assert int(loaded.optimizer.iterations) == steps
    loaded.fit(x, y, epochs=1, batch_size=batch, shuffle=False, verbose=0)
    whole = make_model(optimizer)
    whole.fit(x, y, epochs=epochs + 1, batch_size=batch, shuffle=False,
              verbose=0)
    assert int(loaded.optimizer.iterations) == steps + len(x) // batch
    assert_close(loaded.get_weights(), whole.get_weights(), "resumed")
    for a, b in zip(loaded.optimizer.variables, whole.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=RTOL,
                                   atol=ATOL, err_msg=a.path)


if BACKEND == "tensorflow":
    @pytest.fixture(scope="module")
    def tf_runs(tmp_path_factory):
        """Both MultiWorkerMirroredStrategy workers and the one-process
        MirroredStrategy run, all at once; their results and folder."""
        out = str(tmp_path_factory.mktemp("multiworker"))
        ports = ",".join(map(str, free_ports(2)))
        run_together([("tf-worker", 0, ports, out),
                      ("tf-worker", 1, ports, out),
                      ("tf-mirrored", out)], out)
        return out, [load(out, f"tf_worker{i}.npz") for i in (0, 1)], \
            load(out, "tf_mirrored.npz")

    @pytest.mark.parametrize("name", workers.TF_OPTIMIZERS)
    def test_multi_worker_fit_equals_mirrored(tf_runs, name):
        _, (worker0, worker1), mirrored = tf_runs
        assert int(worker0[f"{name}/replicas"]) == 2
        assert int(mirrored[f"{name}/replicas"]) == 2
        ours = weights(worker0, f"{name}/")
        assert_close(weights(worker1, f"{name}/"), ours, "worker 1")
        assert_close(ours, weights(mirrored, f"{name}/"), "mirrored")
        np.testing.assert_allclose(worker0[f"{name}/loss"],
                                   mirrored[f"{name}/loss"], rtol=RTOL)
        initial = workers.tf_model(name).get_weights()
        assert not np.allclose(ours[0], initial[0], atol=1e-3)  # it trained

    def test_multi_worker_checkpoint_resumes_in_one_process(tf_runs):
        out = tf_runs[0]
        resumed_equals_uninterrupted(
            os.path.join(out, "tf_saved.keras"), workers.tf_model,
            workers.tf_data(), workers.TF_EPOCHS, workers.TF_BATCH,
            workers.TF_SAVED)


if BACKEND == "jax":
    @pytest.fixture(scope="module", params=["LazyAdam", "Adam"])
    def jax_run(request, tmp_path_factory):
        """Two JAX processes training with `request.param`; their results,
        the optimizer's name and the folder."""
        name = request.param
        out = str(tmp_path_factory.mktemp(f"jax_{name}"))
        port = free_ports(1)[0]
        run_together([("jax-worker", i, port, name, out) for i in (0, 1)],
                     out)
        return out, name, [load(out, f"jax_worker{i}.npz") for i in (0, 1)]

    def test_two_processes_sharded_table_equals_one_device(jax_run):
        _, name, (process0, process1) = jax_run
        # The table was split: each process held 32 of its 64 rows.
        for results in (process0, process1):
            assert not results["table_fully_addressable"]
            assert results["local_table_rows"].tolist() == [32]
        assert keras.distribution.distribution() is None
        x, y = workers.jax_data()
        one = workers.jax_model(name)
        history = one.fit(x, y, epochs=workers.JAX_EPOCHS,
                          batch_size=workers.JAX_BATCH, shuffle=False,
                          verbose=0)
        ours = weights(process0)
        assert_close(weights(process1), ours, "process 1")
        assert_close(ours, one.get_weights(), "one device")
        np.testing.assert_allclose(process0["loss"], history.history["loss"],
                                   rtol=RTOL)
        initial = workers.jax_model(name).get_weights()
        assert not np.allclose(ours[0], initial[0], atol=1e-3)  # it trained

    def test_two_processes_checkpoint_resumes_in_one_process(jax_run):
        out, name, _ = jax_run
        resumed_equals_uninterrupted(
            os.path.join(out, "jax_saved.keras"), workers.jax_model,
            workers.jax_data(), workers.JAX_EPOCHS, workers.JAX_BATCH, name)
