"""River's side of the drift benchmark: prequential (test, then train) runs of three River learners
on each stream of streams.py, row by row in file order, as evaluate.progressive_val_score does.

Per learner and stream: prequential accuracy and log loss over the stream, the same per window of
--window rows (the shape `streamfit online --window` prints), and rows/s of the loop (predict_proba_one
+ learn_one over rows held in memory). Accuracy thresholds P(1) at 0.5 and log loss clips P at 1e-7,
exactly as streamfit's prequential meter does, so both sides are scored by one definition.

Round N seeds the learners that draw random numbers with N.
Usage: python river_side.py OUT_DIR --round N [--window 100] [--only a,b]  -> OUT_DIR/river-rN.json
"""
import argparse
import json
import math
import time
from pathlib import Path

from river import forest, linear_model, preprocessing, tree

EPSILON = 1e-7


def learners(seed):
    # The round's seed for the tree's bootstrap and the forest (LogisticRegression draws nothing);
    # everything else is River's defaults.
    return {
        'River LogisticRegression (scaled)': preprocessing.StandardScaler() | linear_model.LogisticRegression(),
        'River HoeffdingAdaptiveTree': tree.HoeffdingAdaptiveTreeClassifier(seed=seed),
        'River ARF': forest.ARFClassifier(seed=seed),
    }


def read_stream(entry):
    """(features dict, 0/1 label) per row, in file order."""
    rows = []
    with open(entry['file']) as f:
        lines = [line.rstrip('\n') for line in f if line.strip()]
    if entry['spec'] is None:  # SUSY: label first, then 18 features
        for line in lines:
            values = line.split(',')
            rows.append(({f'f{i}': float(v) for i, v in enumerate(values[1:])}, int(float(values[0]))))
        return rows
    header = lines[0].split(',')
    label = header[-1]  # the label is the last column in both spec streams (checked here)
    assert label in ('y', 'is_phishing'), label
    for line in lines[1:]:
        values = dict(zip(header, line.split(',')))
        y = int(float(values.pop(label)))
        rows.append(({k: float(v) for k, v in values.items()}, y))
    return rows


def prequential(model, rows, window):
    correct = 0
    loss = 0.0
    win_acc, win_loss = [], []
    w_correct, w_loss, w_rows = 0, 0.0, 0
    started = time.perf_counter()
    for x, y in rows:
        p = _p1(model, x)
        p = min(max(p, EPSILON), 1 - EPSILON)
        hit = (1 if p >= 0.5 else 0) == y
        row_loss = -math.log(p) if y == 1 else -math.log(1 - p)
        model.learn_one(x, y)
        correct += hit
        loss += row_loss
        w_correct += hit
        w_loss += row_loss
        w_rows += 1
        if w_rows == window:
            win_acc.append(w_correct / window)
            win_loss.append(w_loss / window)
            w_correct, w_loss, w_rows = 0, 0.0, 0
    seconds = time.perf_counter() - started
    if w_rows > 0:
        win_acc.append(w_correct / w_rows)
        win_loss.append(w_loss / w_rows)
    n = len(rows)
    return {
        'rows': n, 'prequentialAccuracy': correct / n, 'prequentialLoss': loss / n,
        'seconds': seconds, 'rowsPerSecond': n / seconds,
        'prequentialWindows': {'size': window, 'lastRows': w_rows or window, 'accuracy': win_acc, 'loss': win_loss},
    }


def _p1(model, x):
    """P(label 1) before learning the row; 0.5 before the model has seen any class."""
    proba = model.predict_proba_one(x)
    if not proba:
        return 0.5
    return float(proba.get(1, 0.0))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('out', type=Path)
    parser.add_argument('--round', default='1')
    parser.add_argument('--window', type=int, default=100)
    parser.add_argument('--only')
    args = parser.parse_args()
    manifest = json.load(open(args.out / 'manifest.json'))
    only = args.only.split(',') if args.only else None
    results = {}
    for entry in manifest['streams']:
        if only and entry['name'] not in only:
            continue
        rows = read_stream(entry)
        assert len(rows) == entry['rows'], (entry['name'], len(rows))
        results[entry['name']] = {}
        for name, model in learners(int(args.round)).items():
            r = prequential(model, rows, args.window)
            results[entry['name']][name] = r
            print(f"{name} on {entry['name']} (round {args.round}): accuracy {r['prequentialAccuracy']:.4f}, "
                  f"loss {r['prequentialLoss']:.4f}, {r['rowsPerSecond']:.0f} rows/s", flush=True)
    json.dump(results, open(args.out / f'river-r{args.round}.json', 'w'))


if __name__ == '__main__':
    main()
