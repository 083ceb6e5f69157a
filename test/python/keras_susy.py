#!/usr/bin/env python3
"""The tutorial's Keras model, trained elsewhere: the reference of test/integration/keras-import.test.ts.

The MLP of bench/tfio/tutorial.py (the tutorial's own), built and compiled as the tutorial does,
with Keras 2 (tf_keras: the tensorflowjs converter corrupts Keras 3 models, tensorflow/tfjs#8266),
trained briefly on real SUSY rows and saved as HDF5; its own probabilities on other rows; and the
HDF5 file converted by the tensorflowjs converter (its command line's own entry point, in this
process: one TensorFlow start instead of two). streamfit must then reproduce the probabilities.

  keras_susy.py train --data data/susy-8k.csv.gz --train-rows 3000 --epochs 2 --seed 7 \
                      --score-from 3000 --score-rows 1000 --out DIR [--from-tfjs MODEL_JSON ...]
                      [--save-format savedmodel]
      writes DIR/model.h5 and DIR/tfjs/ (the converted LayersModel); prints {"params", "accuracy",
      "probabilities": [...] (the HDF5 model's, loaded back), "fromTfjs": {MODEL_JSON: [...]}}
      With --save-format savedmodel: writes DIR/savedmodel/ instead (Keras 2's model.save(DIR): a
      TensorFlow SavedModel with keras_metadata.pb), nothing converted; the probabilities are the
      SavedModel's, loaded back by Keras.
  keras_susy.py from-tfjs --model-json MODEL_JSON [...] --data ... --score-from N --score-rows M --out DIR
      prints {"fromTfjs": {MODEL_JSON: [...]}}: each tfjs LayersModel converted back to Keras HDF5
      by the converter, loaded by Keras, on the rows (standardised first when the model.json
      carries streamfit's scaler in userDefinedMetadata.streamfit.scaler)
Each prints one JSON line on stdout.
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


def convert(*arguments: str) -> None:
    """What `tensorflowjs_converter ARGS` runs."""
    from tensorflowjs.converters import converter
    converter.convert(list(arguments))


def standardised(x, model_json: str):
    """Rows standardised as streamfit does before its model, when the exported model.json carries
    streamfit's scaler (userDefinedMetadata.streamfit.scaler): (x - mean) * float32(1 / std)."""
    import numpy as np
    with open(model_json) as fh:
        scaler = (json.load(fh).get("userDefinedMetadata") or {}).get("streamfit", {}).get("scaler")
    if scaler is None:
        return x
    mean = np.asarray(scaler["mean"], dtype=np.float32).astype(np.float64)
    inv = (1.0 / np.asarray(scaler["std"], dtype=np.float64)).astype(np.float32).astype(np.float64)
    return ((x.astype(np.float64) - mean) * inv).astype(np.float32)


def probabilities(saved: str, x) -> list[float]:
    """The saved model's own probabilities (HDF5 file or SavedModel directory), loaded back (what was
    saved is what is judged)."""
    import tf_keras as keras
    model = keras.models.load_model(saved, compile=False)
    p = model.predict(x, batch_size=len(x), verbose=0)
    if p.shape != (len(x), 1):
        raise SystemExit(f"the model's output has shape {p.shape}, expected ({len(x)}, 1)")
    # float32 -> Python float is exact; JSON keeps every digit.
    return [float(v) for v in p[:, 0]]


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
    os.makedirs(args.out, exist_ok=True)
    if args.save_format == "savedmodel":
        saved = os.path.join(args.out, "savedmodel")
        model.save(saved, save_format="tf")
    else:
        saved = os.path.join(args.out, "model.h5")
        model.save(saved, save_format="h5")
        convert("--input_format=keras", "--output_format=tfjs_layers_model", saved, os.path.join(args.out, "tfjs"))
    scored, _ = read_rows(args.data, args.score_from, args.score_rows)
    print(json.dumps({"params": model.count_params(), "accuracy": round(float(history.history["accuracy"][-1]), 4),
                      "probabilities": probabilities(saved, scored), "fromTfjs": from_tfjs(args, args.from_tfjs or [])}))


def from_tfjs(args, model_jsons: list[str]) -> dict:
    """Each tfjs LayersModel converted back to Keras HDF5 by the converter, and its probabilities."""
    x, _ = read_rows(args.data, args.score_from, args.score_rows)
    out = {}
    for i, model_json in enumerate(model_jsons):
        h5 = os.path.join(args.out, f"from-tfjs-{i}.h5")
        os.makedirs(args.out, exist_ok=True)
        convert("--input_format=tfjs_layers_model", "--output_format=keras", model_json, h5)
        out[model_json] = probabilities(h5, standardised(x, model_json))
    return out


def cmd_from_tfjs(args) -> None:
    print(json.dumps({"fromTfjs": from_tfjs(args, args.model_json)}))


def main() -> None:
    logging.disable(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train")
    train.add_argument("--train-rows", type=int, default=3000)
    train.add_argument("--epochs", type=int, default=2)
    train.add_argument("--seed", type=int, default=7)
    train.add_argument("--from-tfjs", action="append", help="also convert this tfjs model.json back to Keras (repeats)")
    train.add_argument("--save-format", choices=["h5", "savedmodel"], default="h5",
                       help="h5: HDF5 converted to tfjs (default); savedmodel: a Keras 2 SavedModel directory")
    back = sub.add_parser("from-tfjs")
    back.add_argument("--model-json", required=True, action="append", help="repeat for several models")
    for command in (train, back):
        command.add_argument("--data", required=True)
        command.add_argument("--score-from", type=int, required=True)
        command.add_argument("--score-rows", type=int, required=True)
        command.add_argument("--out", required=True)
    args = parser.parse_args()
    {"train": cmd_train, "from-tfjs": cmd_from_tfjs}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
