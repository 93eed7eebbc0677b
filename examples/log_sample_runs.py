"""Logs a handful of runs like the seed's walkthrough, so the workbench has something to show.

    RUNHISTORY_SERVER=http://127.0.0.1:5000 python3 examples/log_sample_runs.py [RUNS]

Standard library only: the runhistory package from ../python.
"""
import math
import os
import random
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from runhistory import start_run  # noqa: E402


def png(width, height, pixel):
    """A PNG from a function (x, y) -> (r, g, b), without any imaging library."""
    rows = b"".join(b"\0" + bytes(c for x in range(width) for c in pixel(x, y)) for y in range(height))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    rate = 10.0
    for i in range(runs):
        rng = random.Random(i)
        run = start_run(experiment="iris", name="reg-%g" % rate, script_name="iris_sklearn.py")
        run.log_param("regularization", rate)
        run.log("Regularization Rate", rate)
        accuracy = 0.62 + 0.3 * (1 - math.exp(-1.0 / rate)) + rng.uniform(-0.01, 0.01)
        run.log("Accuracy", accuracy)
        loss = [1.0 / (1 + s / (40.0 * rate)) + rng.uniform(0, 0.02) for s in range(2000)]
        run.log("Loss", loss)
        run.log("Model", "LogisticRegression(C=%g)" % (1 / rate))
        run.log_table("Confusion", {"class": ["setosa", "versicolor", "virginica"],
                                    "correct": [50, 40 + i, 45 - i // 2]})
        shade = int(255 * accuracy)
        run.upload("outputs/roc.png", png(160, 120, lambda x, y: (shade, 255 - x, y * 2 % 256)))
        run.upload("outputs/metrics.csv", "step,loss\n" + "\n".join("%d,%.4f" % (s, loss[s]) for s in range(0, 2000, 100)))
        run.upload("driver_log.txt", "Training with regularization %g\nAccuracy %.4f\n" % (rate, accuracy))
        run.complete()
        run.wait()
        rate /= 2
    print("logged %d runs" % runs)


if __name__ == "__main__":
    main()
