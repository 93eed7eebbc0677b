"""Iris classification by logistic regression, standard library only: the run-history walkthrough.

    runhistory run iris_train.py 0.01

Takes a regularization rate, trains a multinomial logistic regression on the iris data set (with
random noise features added, as the original walkthrough did, so the rate matters), logs
"Regularization Rate" and "Accuracy", and writes a confusion-matrix plot and the model to outputs/.
"""

import csv
import math
import os
import pickle
import random
import struct
import sys
import zlib

from runhistory import get_logger

NOISE_FEATURES = 40
EPOCHS = 150
LEARNING_RATE = 0.1


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    classes = sorted({r["species"] for r in rows})
    features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    x = [[float(r[c]) for c in features] for r in rows]
    y = [classes.index(r["species"]) for r in rows]
    return x, y, classes


def standardize(x):
    cols = list(zip(*x))
    means = [sum(c) / len(c) for c in cols]
    stds = [math.sqrt(sum((v - m) ** 2 for v in c) / len(c)) or 1.0 for c, m in zip(cols, means)]
    return [[(v - m) / s for v, m, s in zip(row, means, stds)] for row in x]


def softmax(z):
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    return [v / total for v in e]


def train(x, y, classes, reg):
    """Full-batch gradient descent on the cross-entropy with an L2 penalty of strength `reg`."""
    n, d, k = len(x), len(x[0]), len(classes)
    w = [[0.0] * d for _ in range(k)]
    b = [0.0] * k
    losses = []
    for _ in range(EPOCHS):
        gw = [[0.0] * d for _ in range(k)]
        gb = [0.0] * k
        loss = 0.0
        for xi, yi in zip(x, y):
            p = softmax([sum(wc[j] * xi[j] for j in range(d)) + bc for wc, bc in zip(w, b)])
            loss -= math.log(max(p[yi], 1e-12))
            for c in range(k):
                g = p[c] - (1.0 if c == yi else 0.0)
                gb[c] += g
                row = gw[c]
                for j in range(d):
                    row[j] += g * xi[j]
        penalty = 0.5 * reg * sum(v * v for wc in w for v in wc)
        losses.append(loss / n + penalty)
        for c in range(k):
            b[c] -= LEARNING_RATE * gb[c] / n
            for j in range(d):
                w[c][j] -= LEARNING_RATE * (gw[c][j] / n + reg * w[c][j])
    return w, b, losses


def predict(w, b, xi):
    scores = [sum(wc[j] * xi[j] for j in range(len(xi))) + bc for wc, bc in zip(w, b)]
    return scores.index(max(scores))


def write_png(path, pixels):
    """Writes rows of (r, g, b) tuples as an 8-bit RGB PNG."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in pixels)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# A 5x7 pixel font for the labels and counts of the confusion-matrix picture (the characters it needs).
GLYPHS = {
    "a": ".....|.....|.###.|....#|.####|#...#|.####",
    "c": ".....|.....|.###.|#....|#....|#...#|.###.",
    "d": "....#|....#|.##.#|#..##|#...#|#...#|.####",
    "e": ".....|.....|.###.|#...#|#####|#....|.###.",
    "g": ".....|.....|.####|#...#|.####|....#|.###.",
    "i": "..#..|.....|.##..|..#..|..#..|..#..|.###.",
    "l": ".##..|..#..|..#..|..#..|..#..|..#..|.###.",
    "n": ".....|.....|#.##.|##..#|#...#|#...#|#...#",
    "o": ".....|.....|.###.|#...#|#...#|#...#|.###.",
    "p": ".....|.....|####.|#...#|####.|#....|#....",
    "r": ".....|.....|#.##.|##..#|#....|#....|#....",
    "s": ".....|.....|.####|#....|.###.|....#|####.",
    "t": ".#...|.#...|####.|.#...|.#...|.#..#|..##.",
    "u": ".....|.....|#...#|#...#|#...#|#..##|.##.#",
    "v": ".....|.....|#...#|#...#|#...#|.#.#.|..#..",
    "0": ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",
    "1": "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
    "2": ".###.|#...#|....#|...#.|..#..|.#...|#####",
    "3": "####.|....#|....#|.###.|....#|....#|####.",
    "4": "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",
    "5": "#####|#....|####.|....#|....#|#...#|.###.",
    "6": "..##.|.#...|#....|####.|#...#|#...#|.###.",
    "7": "#####|....#|...#.|..#..|.#...|.#...|.#...",
    "8": ".###.|#...#|#...#|.###.|#...#|#...#|.###.",
    "9": ".###.|#...#|#...#|.####|....#|...#.|.##..",
    " ": ".....|.....|.....|.....|.....|.....|.....",
}


def text_width(text, scale):
    return len(text) * 6 * scale - scale


def draw_text(pixels, text, x, y, scale, colour):
    """Draws text with its top-left corner at (x, y), each font pixel a scale x scale square."""
    for i, ch in enumerate(text):
        rows = GLYPHS.get(ch, GLYPHS[" "]).split("|")
        for gy, row in enumerate(rows):
            for gx, on in enumerate(row):
                if on != "#":
                    continue
                for dy in range(scale):
                    for dx in range(scale):
                        pixels[y + gy * scale + dy][x + (i * 6 + gx) * scale + dx] = colour


def confusion_png(path, matrix, classes, cell=130):
    """The confusion matrix as a picture: a square per (true, predicted) pair, darker for more,
    with its count, the class names along both sides and the axes named."""
    k = len(matrix)
    top = max(max(r) for r in matrix) or 1
    left, head = cell + 20, 70
    width, height = left + k * cell + 10, head + k * cell + 10
    ink, paper = (40, 40, 40), (255, 255, 255)
    pixels = [[paper] * width for _ in range(height)]
    for t in range(k):
        for p in range(k):
            shade = matrix[t][p] / top
            base = (40, 110, 200) if t == p else (210, 80, 60)
            colour = tuple(int(255 - (255 - c) * shade) for c in base)
            x0, y0 = left + p * cell, head + t * cell
            for y in range(y0 + 1, y0 + cell):
                pixels[y][x0 + 1 : x0 + cell] = [colour] * (cell - 1)
            label = str(matrix[t][p])
            draw_text(pixels, label, x0 + (cell - text_width(label, 4)) // 2, y0 + (cell - 28) // 2, 4,
                      paper if shade > 0.5 else ink)
    draw_text(pixels, "predicted", left + (k * cell - text_width("predicted", 2)) // 2, 10, 2, ink)
    draw_text(pixels, "true", 10, 10, 2, ink)
    for i, name in enumerate(classes):
        name = name.split("-")[-1].lower()[:10]
        draw_text(pixels, name, left + i * cell + (cell - text_width(name, 2)) // 2, head - 24, 2, ink)
        draw_text(pixels, name, left - 10 - text_width(name, 2), head + i * cell + (cell - 14) // 2, 2, ink)
    write_png(path, pixels)


def main():
    reg = float(sys.argv[1]) if len(sys.argv) > 1 else 0.01
    print("Regularization rate is {}".format(reg))
    logger = get_logger()
    logger.log("Regularization Rate", reg)

    here = os.path.dirname(os.path.abspath(__file__))
    x, y, classes = load(os.path.join(here, "iris.csv"))
    rng = random.Random(42)
    x = standardize([row + [rng.gauss(0, 1) for _ in range(NOISE_FEATURES)] for row in x])
    order = list(range(len(x)))
    rng.shuffle(order)
    cut = int(len(order) * 0.65)
    train_idx, test_idx = order[:cut], order[cut:]

    w, b, losses = train([x[i] for i in train_idx], [y[i] for i in train_idx], classes, reg)
    logger.log("Loss", losses)  # a list becomes a chart

    matrix = [[0] * len(classes) for _ in classes]
    for i in test_idx:
        matrix[y[i]][predict(w, b, x[i])] += 1
    accuracy = sum(matrix[c][c] for c in range(len(classes))) / len(test_idx)
    print("Accuracy is {}".format(accuracy))
    logger.log("Accuracy", accuracy)

    os.makedirs("outputs", exist_ok=True)
    with open(os.path.join("outputs", "model.pkl"), "wb") as f:
        pickle.dump({"classes": classes, "weights": w, "bias": b, "regularization": reg}, f)
    confusion_png(os.path.join("outputs", "cm.png"), matrix, classes)
    print("Confusion matrix (rows: true class, columns: predicted):")
    for name, row in zip(classes, matrix):
        print("  {:<16} {}".format(name, row))


if __name__ == "__main__":
    main()
