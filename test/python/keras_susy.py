#!/usr/bin/env python3
"""The tutorial's Keras model, trained elsewhere: the reference of test/integration/keras-import.test.ts.

The MLP of bench/tfio/tutorial.py (the tutorial's own), built and compiled as the tutorial does,
with Keras 2 (tf_keras: the tensorflowjs converter corrupts Keras 3 models, tensorflow/tfjs#8266),
trained briefly on real SUSY rows, saved as HDF5; then its own probabilities on other rows, which
streamfit must reproduce after the model went through the converter, the import and a scorer.

  keras_susy.py train   --data data/susy-8k.csv.gz --train-rows 3000 --epochs 2 --seed 7 --h5 OUT.h5
  keras_susy.py predict --data data/susy-8k.csv.gz --start 3000 --rows 1000 --h5 MODEL.h5
Each prints one JSON line on stdout (predict: {"probabilities": [...]}, one per row, in order).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
NUM_COLUMNS = 18


def read_rows(path: str, start: int, rows: int):
    """Rows [start, start + rows) of a label-first SUSY CSV: (features float32, labels)."""
    import numpy as np
    table = np.loadtxt(path, delimiter=",", dtype=np.float64, skiprows=start, max_rows=rows, ndmin=2)
    if len(table) != rows:
        raise SystemExit(f"{path} has {len(table)} rows from row {start}, not {rows}")
    # float64 text -> float32, as streamfit's decoder rounds each parsed value.
    return table[:, 1:].astype(np.float32), table[:, 0].astype(np.float32)


def build_model():
    """The tutorial's MLP (68,481 weights), as bench/tfio/tutorial.py builds it, in Keras 2."""
    import tf_keras as keras
    return keras.Sequential([
        keras.layers.Input(shape=(NUM_COLUMNS,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.4),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.4),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def cmd_train(args) -> None:
    import tf_keras as keras
    keras.utils.set_random_seed(args.seed)
    x, y = read_rows(args.data, 0, args.train_rows)
    model = build_model()
    # The tutorial's compile, its from_logits=True on a sigmoid output included (a bug in the
    # tutorial: it trains on a squashed loss). The outputs stay sigmoid probabilities.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(x, y, batch_size=64, epochs=args.epochs, verbose=0)
    model.save(args.h5, save_format="h5")
    print(json.dumps({"h5": args.h5, "rows": args.train_rows, "epochs": args.epochs,
                      "accuracy": round(float(history.history["accuracy"][-1]), 4), "params": model.count_params()}))


def cmd_predict(args) -> None:
    import tf_keras as keras
    model = keras.models.load_model(args.h5, compile=False)
    x, _ = read_rows(args.data, args.start, args.rows)
    p = model.predict(x, batch_size=len(x), verbose=0)
    if p.shape != (args.rows, 1):
        raise SystemExit(f"the model's output has shape {p.shape}, expected ({args.rows}, 1)")
    # float32 -> Python float is exact; JSON keeps every digit.
    print(json.dumps({"probabilities": [float(v) for v in p[:, 0]]}))


def main() -> None:
    logging.disable(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train")
    train.add_argument("--data", required=True)
    train.add_argument("--train-rows", type=int, default=3000)
    train.add_argument("--epochs", type=int, default=2)
    train.add_argument("--seed", type=int, default=7)
    train.add_argument("--h5", required=True)
    predict = sub.add_parser("predict")
    predict.add_argument("--data", required=True)
    predict.add_argument("--start", type=int, required=True)
    predict.add_argument("--rows", type=int, required=True)
    predict.add_argument("--h5", required=True)
    args = parser.parse_args()
    {"train": cmd_train, "predict": cmd_predict}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
