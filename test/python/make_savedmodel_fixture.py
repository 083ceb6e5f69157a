#!/usr/bin/env python3
"""Writes test/fixtures/keras-savedmodel/: a small Keras 2 (tf_keras) model saved by model.save(DIR)
as a TensorFlow SavedModel, and expected.json with Keras' own probabilities on a few rows. The unit
tests of the SavedModel reader (test/unit/savedmodel-reader.test.ts) read it without Python.
18 inputs -> Dense(4, relu) -> BatchNormalization (non-trainable weights too) -> Dense(1, sigmoid),
compiled with Adam and fitted one epoch so the checkpoint also holds optimizer and metric variables.

  /work/.venv-keras/bin/python test/python/make_savedmodel_fixture.py test/fixtures/keras-savedmodel
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(out: str) -> None:
    import numpy as np
    import tf_keras as keras
    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.layers.Input(shape=(18,)),
        keras.layers.Dense(4, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(5)
    x = rng.normal(size=(256, 18)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    shutil.rmtree(out, ignore_errors=True)
    model.save(out, save_format="tf")
    rows = x[:8]
    p = keras.models.load_model(out, compile=False).predict(rows, verbose=0)
    with open(os.path.join(out, "expected.json"), "w") as fh:
        json.dump({"rows": [[float(v) for v in r] for r in rows], "probabilities": [float(v) for v in p[:, 0]]}, fh)
        fh.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
