#!/usr/bin/env python3
"""The TensorFlow I/O Kafka tutorial's pipeline, stage by stage, for benchmarking.

Follows "Robust machine learning on streaming data using Kafka and Tensorflow-IO": write rows
with kafka-python, train with IODataset.from_kafka, score with KafkaGroupIODataset, learn online
with KafkaBatchIODataset. Each stage is its own subcommand (so `all` can run each in its own
process and peak RSS is per stage) and prints ONE JSON line on stdout; logs go to stderr.

    tutorial.py gen    --rows 100000 --seed 7 --out /tmp/susy-100k.csv
    tutorial.py load   --csv .state/susy-8k.csv --prefix tfio-susy   (the default: data/susy-8k.csv.gz unzipped)
    tutorial.py train  --prefix tfio-susy --epochs 10
    tutorial.py score  --prefix tfio-susy
    tutorial.py online --prefix tfio-susy
    tutorial.py all    --csv FILE --prefix tfio-susy --epochs 10   # the four above, one process each

Deviations from the tutorial, each forced or a bug fix (also reported in every JSON line):
- Loss: BinaryCrossentropy() on the sigmoid output. The tutorial passes from_logits=True to a model
  that already ends in a sigmoid (Keras warns about it), which trains on a squashed loss.
- tensorflow-io 0.37.1 bundles librdkafka 1.5.0, which asks Kafka for offsets with ListOffsets v0;
  Kafka 4.0 removed that version (KIP-896). Two places need it, and both get a workaround unless
  --no-workarounds is given (then the failure is reproduced and reported):
  * IODataset.from_kafka resolves its default stop offset (-1, "the end") by seeking to the tail:
    fails with "failed to consume tail message: Local: Required feature not supported by broker".
    Workaround: pass the partition's end offset (read with kafka-python) as `stop`.
  * KafkaGroupIODataset / KafkaBatchIODataset with a new group and auto.offset.reset=earliest:
    the reset needs ListOffsets, which fails permanently, and the dataset then waits forever
    (stream_timeout does not fire). Workaround: commit offset 0 for every partition of the
    group with kafka-python first, so the consumer starts from a committed offset, exactly
    where "earliest" would have put it.
- The tutorial calls IODataset.from_kafka(topic, partition=0, offset=0): `offset` is not a parameter
  of that method (it takes start/stop) and is silently swallowed by **kwargs; we pass start=0.
"""
from __future__ import annotations

import argparse
import gzip
import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
DEFAULT_STATE = HERE / ".state"
# The repository's 8k real SUSY rows (data/README.md), unzipped once: the tutorial reads plain CSV.
DEFAULT_CSV = DEFAULT_STATE / "susy-8k.csv"


def ensure_default_csv() -> None:
    if not DEFAULT_CSV.exists():
        DEFAULT_STATE.mkdir(parents=True, exist_ok=True)
        with gzip.open(REPO_ROOT / "data" / "susy-8k.csv.gz", "rb") as src, open(DEFAULT_CSV, "wb") as out:
            out.write(src.read())


ensure_default_csv()
NUM_COLUMNS = 18
# Read from tensorflow-io's own INIT log line ("librdkafka v1.5.0 (0x10500ff) ... initialized").
TFIO_LIBRDKAFKA = "1.5.0"
# The tutorial's consumer configuration for both consumer-group datasets.
GROUP_CONFIGURATION = ["session.timeout.ms=7000", "max.poll.interval.ms=8000", "auto.offset.reset=earliest"]

LOSS_NOTE = "BinaryCrossentropy() on the sigmoid output (the tutorial's from_logits=True is a bug)"
STOP_WORKAROUND = "stop offset passed explicitly (tfio's tail lookup uses ListOffsets v0, removed in Kafka 4)"
GROUP_WORKAROUND = "group offsets pre-committed at 0 (librdkafka 1.5.0's earliest-reset uses ListOffsets v0, removed in Kafka 4)"


# ---------------------------------------------------------------- helpers

def log(*parts: object) -> None:
    print("[tfio]", *parts, file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the high-water mark of this (single-stage) process.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(record: dict) -> None:
    record.setdefault("system", "tfio")
    record["peakRssMb"] = peak_rss_mb()
    print(json.dumps(record), flush=True)


def topics_for(prefix: str) -> tuple[str, str]:
    return f"{prefix}-train", f"{prefix}-test"


def rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def tuned(args) -> dict:
    return {"extraRdkafka": args.rdkafka} if args.rdkafka else {}


def tf_backend() -> str:
    import tensorflow as tf
    return f"tensorflow-cpu {tf.__version__} (native)"


def tfio_reader(name: str) -> str:
    import tensorflow_io as tfio
    return f"tensorflow-io {tfio.__version__} {name} (librdkafka {TFIO_LIBRDKAFKA})"


def end_offsets(brokers: str, topic: str) -> dict[int, int]:
    from kafka import KafkaConsumer, TopicPartition
    consumer = KafkaConsumer(bootstrap_servers=brokers)
    try:
        parts = consumer.partitions_for_topic(topic)
        if not parts:
            raise SystemExit(f"topic {topic} does not exist on {brokers}: run the load stage first")
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        return {tp.partition: off for tp, off in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()


def committed_offsets(brokers: str, group: str, topic: str) -> dict[int, int]:
    from kafka import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=brokers)
    try:
        offsets = admin.list_consumer_group_offsets(group)
        return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}
    finally:
        admin.close()


def precommit_start(brokers: str, group: str, topic: str) -> None:
    """Commit offset 0 on every partition so librdkafka 1.5.0 never needs an offset reset."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata
    consumer = KafkaConsumer(bootstrap_servers=brokers, group_id=group, enable_auto_commit=False)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(0, "", -1) for p in parts})
    finally:
        consumer.close()


def decode_csv_tensor(message, key):
    """The tutorial's decode: 18 float columns from the value, the label from the key."""
    import tensorflow as tf
    features = tf.io.decode_csv(message, [[0.0] for _ in range(NUM_COLUMNS)])
    return features, tf.strings.to_number(key)


def build_model():
    """The tutorial's MLP: 68,481 parameters."""
    import keras
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


def make_counter_metric():
    """A metric that counts the rows Keras actually saw (exact record counts for evaluate)."""
    import keras
    import tensorflow as tf

    class RowCount(keras.metrics.Metric):
        def __init__(self, name="rows", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", initializer="zeros", dtype="float64")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(tf.cast(tf.shape(y_true)[0], "float64"))

        def result(self):
            return tf.identity(self.total.value)

    return RowCount()


class Watchdog:
    """Ends the process with a JSON error line if a stage hangs (the un-worked-around group read)."""

    def __init__(self, seconds: float, stage: str, extra: dict):
        import threading
        self.timer = threading.Timer(seconds, self._fire, args=(seconds, stage, extra))
        self.timer.daemon = True

    def _fire(self, seconds, stage, extra):
        emit({"stage": stage, **extra, "error": f"no progress after {seconds:.0f} s: the dataset hangs (see workarounds)"})
        os._exit(3)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()


# ---------------------------------------------------------------- gen

def cmd_gen(args) -> None:
    """A synthetic stand-in of any size with the real file's shape and text: bootstrap rows of the
    8k real SUSY rows (label kept) and jitter each feature by 5% of its standard deviation."""
    import numpy as np
    real = np.loadtxt(args.source, delimiter=",", dtype=np.float64)
    rng = np.random.default_rng(args.seed)
    pick = rng.integers(0, len(real), size=args.rows)
    features = real[pick, 1:] + rng.normal(0.0, 1.0, size=(args.rows, NUM_COLUMNS)) * (0.05 * real[:, 1:].std(axis=0))
    nonneg = real[:, 1:].min(axis=0) >= 0  # pT-like, MET, R..., keep them physical
    features[:, nonneg] = np.abs(features[:, nonneg])
    features = features.astype(np.float32).astype(np.float64)  # same digits as the real file's float32 values
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with open(tmp, "w") as fh:
        for start in range(0, args.rows, 50_000):
            block = np.column_stack([real[pick[start:start + 50_000], 0], features[start:start + 50_000]])
            np.savetxt(fh, block, delimiter=",", fmt=["%.1f"] + ["%.16g"] * NUM_COLUMNS)
    tmp.replace(out)
    emit({"stage": "gen", "records": args.rows, "seed": args.seed, "out": str(out),
          "note": "bootstrap of the 8k real rows + Gaussian jitter (5% of each feature's std)"})


# ---------------------------------------------------------------- load

def recreate_topics(brokers: str, specs: list[tuple[str, int]]) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError
    admin = KafkaAdminClient(bootstrap_servers=brokers)
    try:
        names = [name for name, _ in specs]
        existing = set(admin.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            try:
                admin.delete_topics(doomed)
            except UnknownTopicOrPartitionError:
                pass
        deadline = time.time() + 60
        for name, partitions in specs:
            while True:  # deletion is asynchronous: retry until the name is free
                try:
                    admin.create_topics([NewTopic(name, partitions, 1)])
                    break
                except TopicAlreadyExistsError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.5)
    finally:
        admin.close()


def cmd_load(args) -> None:
    from kafka import KafkaProducer
    import kafka
    train_topic, test_topic = topics_for(args.prefix)
    csv = Path(args.csv)
    with open(csv, "rb") as fh:  # counting pass (the tutorial's pandas preprocessing, not timed)
        total = sum(1 for line in fh if line.strip())
    n_test = round(total * args.test_fraction)
    n_train = total - n_test
    recreate_topics(args.brokers, [(train_topic, 1), (test_topic, 2)])

    failures: list[str] = []

    def error_callback(exc):  # the tutorial raises inside the callback; we count and fail loudly
        failures.append(str(exc))

    def write_to_kafka(topic: str, rows) -> int:
        producer = KafkaProducer(bootstrap_servers=args.brokers)
        count = 0
        for line in rows:
            label, _, features = line.rstrip("\n").partition(",")
            producer.send(topic, key=label.encode("utf-8"), value=features.encode("utf-8")).add_errback(error_callback)
            count += 1
        producer.flush()
        producer.close()
        return count

    def lines(skip: int, take: int):
        with open(csv) as fh:
            seen = 0
            for line in fh:
                if not line.strip():
                    continue
                if seen >= skip + take:
                    break
                if seen >= skip:
                    yield line
                seen += 1

    # Rows are split in file order (first 60% train, rest test); both files are already in random
    # order, so this is the tutorial's shuffled 60/40 split made reproducible for the other side.
    started = time.perf_counter()
    wrote_train = write_to_kafka(train_topic, lines(0, n_train))
    train_done = time.perf_counter()
    wrote_test = write_to_kafka(test_topic, lines(n_train, n_test))
    seconds = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} sends failed, first: {failures[0]}")
    landed = sum(end_offsets(args.brokers, train_topic).values()), sum(end_offsets(args.brokers, test_topic).values())
    if landed != (wrote_train, wrote_test):
        raise SystemExit(f"topics hold {landed}, expected {(wrote_train, wrote_test)}")
    records = wrote_train + wrote_test
    emit({"stage": "load", "dataset": csv.name, "records": records, "seconds": round(seconds, 3),
          "recordsPerSecond": rate(records, seconds),
          "trainRecords": wrote_train, "testRecords": wrote_test,
          "trainSeconds": round(train_done - started, 3),
          "topics": {train_topic: 1, test_topic: 2},
          "backend": f"kafka-python {kafka.__version__} (KafkaProducer, defaults, one per topic)"})


# ---------------------------------------------------------------- train

def cmd_train(args) -> None:
    import keras
    import tensorflow as tf
    import tensorflow_io as tfio
    train_topic, _ = topics_for(args.prefix)
    rows = end_offsets(args.brokers, train_topic)[0]
    stop = -1 if args.no_workarounds else rows
    extra = {"dataset": args.dataset, "backend": tf_backend(), "reader": tfio_reader("IODataset.from_kafka"),
             "workarounds": [] if args.no_workarounds else [STOP_WORKAROUND], **tuned(args)}

    class EpochTimes(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times, self.t = [], time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            self.times.append(round(now - self.t, 3))
            self.t = now
            log(f"train epoch {epoch + 1}/{args.epochs}: {self.times[-1]} s, "
                f"loss {logs['loss']:.4f}, accuracy {logs['accuracy']:.4f}")

    epoch_times = EpochTimes()
    model = build_model()
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy"])
    started = time.perf_counter()
    try:
        train_ds = tfio.IODataset.from_kafka(train_topic, partition=0, start=0, stop=stop, servers=args.brokers,
                                             configuration=args.rdkafka or None)
        train_ds = train_ds.shuffle(buffer_size=args.shuffle)
        train_ds = train_ds.map(lambda item: decode_csv_tensor(item.message, item.key))
        train_ds = train_ds.batch(args.batch)
        history = model.fit(train_ds, epochs=args.epochs, verbose=0, callbacks=[epoch_times])
    except tf.errors.OpError as exc:
        emit({"stage": "train", **extra, "error": f"{type(exc).__name__}: {exc.message.strip()}"})
        raise SystemExit(3)
    seconds = time.perf_counter() - started
    state = Path(args.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    model.save(state / f"{args.prefix}.keras")
    emit({"stage": "train", **extra, "records": rows * args.epochs, "rows": rows, "epochs": args.epochs,
          "seconds": round(seconds, 3), "recordsPerSecond": rate(rows * args.epochs, seconds),
          "epochSeconds": epoch_times.times,
          "msPerStep": round(1000 * seconds / (args.epochs * -(-rows // args.batch)), 2),
          "loss": round(history.history["loss"][-1], 4), "accuracy": round(history.history["accuracy"][-1], 4),
          "lossFunction": LOSS_NOTE})


def cmd_profile_train(args) -> None:
    """Where train's time goes: the Kafka reader alone (no model), and the same fit fed from memory."""
    import keras
    import numpy as np
    import tensorflow as tf
    import tensorflow_io as tfio
    train_topic, _ = topics_for(args.prefix)
    rows = end_offsets(args.brokers, train_topic)[0]
    extra = {"dataset": args.dataset, "backend": tf_backend(), "workarounds": [STOP_WORKAROUND], **tuned(args)}

    read_ds = tfio.IODataset.from_kafka(train_topic, partition=0, start=0, stop=rows, servers=args.brokers,
                                        configuration=args.rdkafka or None)
    started = time.perf_counter()
    read = sum(1 for _ in read_ds)
    seconds = time.perf_counter() - started
    emit({"stage": "train-read-only", **extra, "reader": tfio_reader("IODataset.from_kafka"), "records": read,
          "seconds": round(seconds, 3), "recordsPerSecond": rate(read, seconds),
          "note": "one pass of IODataset.from_kafka, no decode, no model"})

    # The same rows the load stage wrote to PREFIX-train: the first (1 - test fraction) of the CSV.
    data = np.loadtxt(args.csv, delimiter=",", dtype=np.float32, max_rows=rows)
    mem_ds = tf.data.Dataset.from_tensor_slices((data[:, 1:], data[:, 0])).shuffle(args.shuffle).batch(args.batch)
    model = build_model()
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy"])
    model.fit(mem_ds.take(2), epochs=1, verbose=0)  # trace outside the timing, as epochs 2+ of train do
    started = time.perf_counter()
    history = model.fit(mem_ds, epochs=args.epochs, verbose=0)
    seconds = time.perf_counter() - started
    emit({"stage": "train-from-memory", **extra, "reader": "tf.data.Dataset.from_tensor_slices (no Kafka)",
          "records": rows * args.epochs, "rows": rows, "epochs": args.epochs, "seconds": round(seconds, 3),
          "recordsPerSecond": rate(rows * args.epochs, seconds),
          "msPerStep": round(1000 * seconds / (args.epochs * -(-rows // args.batch)), 2),
          "loss": round(history.history["loss"][-1], 4), "accuracy": round(history.history["accuracy"][-1], 4)})


# ---------------------------------------------------------------- score

def cmd_score(args) -> None:
    import keras
    import tensorflow_io as tfio
    _, test_topic = topics_for(args.prefix)
    expected = sum(end_offsets(args.brokers, test_topic).values())
    group = args.group or f"{args.prefix}-testcg-{int(time.time() * 1000)}"
    extra = {"dataset": args.dataset, "backend": tf_backend(), "reader": tfio_reader("KafkaGroupIODataset"),
             "group": group, "workarounds": [] if args.no_workarounds else [GROUP_WORKAROUND], **tuned(args)}
    if not args.no_workarounds:
        precommit_start(args.brokers, group, test_topic)

    model = keras.models.load_model(Path(args.state_dir) / f"{args.prefix}.keras")
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(),
                  metrics=["accuracy", keras.metrics.AUC(num_thresholds=2000, name="auc"), make_counter_metric()])

    class LastBatch(keras.callbacks.Callback):
        first = last = None

        def on_test_batch_end(self, batch, logs=None):
            LastBatch.last = time.perf_counter()
            LastBatch.first = LastBatch.first or LastBatch.last

    started = time.perf_counter()
    with Watchdog(args.watchdog, "score", extra):
        test_ds = tfio.experimental.streaming.KafkaGroupIODataset(
            topics=[test_topic], group_id=group, servers=args.brokers,
            stream_timeout=args.stream_timeout, configuration=GROUP_CONFIGURATION + args.rdkafka)
        test_ds = test_ds.map(decode_csv_tensor).batch(args.batch)
        result = model.evaluate(test_ds, verbose=0, callbacks=[LastBatch()], return_dict=True)
    finished = time.perf_counter()
    del test_ds
    gc.collect()  # the consumer commits its final offsets when the resource goes away
    committed = {}
    for _ in range(20):
        committed = committed_offsets(args.brokers, group, test_topic)
        if sum(committed.values()) >= expected:
            break
        time.sleep(0.5)
    records = int(float(getattr(result["rows"], "numpy", lambda: result["rows"])()))
    active = (LastBatch.last or finished) - started
    emit({"stage": "score", **extra, "records": records, "expected": expected,
          "seconds": round(active, 3), "recordsPerSecond": rate(records, active),
          "totalSeconds": round(finished - started, 3), "streamTimeoutMs": args.stream_timeout,
          "firstBatchSeconds": round((LastBatch.first or finished) - started, 3),
          "steadyRecordsPerSecond": rate(records - min(records, args.batch), (LastBatch.last or 0) - (LastBatch.first or 0)),
          "timing": "seconds: from dataset creation (group join included) to the last batch evaluated; "
                    "totalSeconds adds the trailing wait for the stream timeout; steadyRecordsPerSecond: "
                    "from the first batch evaluated to the last",
          "loss": round(result["loss"], 4), "accuracy": round(result["accuracy"], 4), "auc": round(result["auc"], 4),
          "committedOffsets": committed, "lag": expected - sum(committed.values())})


# ---------------------------------------------------------------- online

def cmd_online(args) -> None:
    import keras
    import tensorflow_io as tfio
    train_topic, _ = topics_for(args.prefix)
    topic = args.topic or train_topic
    expected = sum(end_offsets(args.brokers, topic).values())
    group = args.group or f"{args.prefix}-cgonline-{int(time.time() * 1000)}"
    extra = {"dataset": args.dataset, "backend": tf_backend(), "reader": tfio_reader("KafkaBatchIODataset"),
             "group": group, "workarounds": [] if args.no_workarounds else [GROUP_WORKAROUND], **tuned(args)}
    if not args.no_workarounds:
        precommit_start(args.brokers, group, topic)

    # The tutorial keeps training the model from the train stage.
    model = keras.models.load_model(Path(args.state_dir) / f"{args.prefix}.keras")
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy"])

    rows, minis, last = 0, [], None
    history = None
    started = time.perf_counter()
    with Watchdog(args.watchdog, "online", extra):
        online_ds = tfio.experimental.streaming.KafkaBatchIODataset(
            topics=[topic], group_id=group, servers=args.brokers,
            stream_timeout=args.stream_timeout, configuration=GROUP_CONFIGURATION + args.rdkafka)
        for mini_ds in online_ds:
            size = int(mini_ds.cardinality())
            mini_ds = mini_ds.shuffle(buffer_size=32)
            mini_ds = mini_ds.map(decode_csv_tensor)
            mini_ds = mini_ds.batch(32)
            if len(mini_ds) > 0:
                history = model.fit(mini_ds, epochs=args.epochs, verbose=0)
                rows += size
                minis.append(size)
                last = time.perf_counter()
                log(f"online mini-batch {len(minis)}: {size} rows, loss {history.history['loss'][-1]:.4f}")
            if args.stop_when_drained and rows >= expected:
                break
    finished = time.perf_counter()
    active = (last or finished) - started
    emit({"stage": "online", **extra, "records": rows, "expected": expected, "epochsPerMiniBatch": args.epochs,
          "stoppedWhenDrained": args.stop_when_drained,
          "miniBatches": len(minis), "miniBatchRows": minis,
          "seconds": round(active, 3), "recordsPerSecond": rate(rows, active),
          "trainedRowsPerSecond": rate(rows * args.epochs, active),
          "totalSeconds": round(finished - started, 3), "streamTimeoutMs": args.stream_timeout,
          "timing": "from dataset creation to the end of the last mini-batch fit; recordsPerSecond counts "
                    "each consumed row once, trainedRowsPerSecond counts it once per epoch",
          "loss": round(history.history["loss"][-1], 4) if history else None,
          "accuracy": round(history.history["accuracy"][-1], 4) if history else None})


# ---------------------------------------------------------------- all / versions

def cmd_all(args) -> None:
    """Each stage in its own process: per-stage peak RSS, and TensorFlow kept out of `load`."""
    me = [sys.executable, str(Path(__file__).resolve())]
    common = ["--brokers", args.brokers, "--prefix", args.prefix, "--state-dir", args.state_dir]
    dataset = Path(args.csv).name
    stages = [
        ["load", "--csv", args.csv, "--test-fraction", str(args.test_fraction)],
        ["train", "--epochs", str(args.epochs), "--dataset", dataset],
        ["score", "--stream-timeout", str(args.stream_timeout), "--dataset", dataset],
        ["online", "--stream-timeout", str(args.stream_timeout), "--epochs", str(args.online_epochs), "--dataset", dataset],
    ]
    for stage in stages[1:]:
        stage += ["--no-workarounds"] if args.no_workarounds else []
        stage += ["--stop-when-drained"] if args.stop_when_drained and stage[0] == "online" else []
        for setting in args.rdkafka:
            stage += ["--rdkafka", setting]
    failed = 0
    for stage in stages:
        proc = subprocess.run(me + stage[:1] + common + stage[1:], stdout=subprocess.PIPE, text=True)
        sys.stdout.write(proc.stdout)
        sys.stdout.flush()
        if proc.returncode != 0:
            failed += 1
            if not proc.stdout.strip():
                emit({"stage": stage[0], "dataset": dataset, "error": f"exit code {proc.returncode}, see stderr"})
            if stage[0] in ("load", "train"):
                break  # later stages need the topics / the model
    if failed:
        raise SystemExit(1)


def cmd_versions(args) -> None:
    import platform
    import keras
    import kafka
    import numpy
    import tensorflow as tf
    import tensorflow_io as tfio
    print(json.dumps({"stage": "versions", "system": "tfio", "python": platform.python_version(), "tensorflow": tf.__version__,
                      "tensorflowIo": tfio.__version__, "keras": keras.__version__,
                      "tfioLibrdkafka": TFIO_LIBRDKAFKA, "kafkaPython": kafka.__version__,
                      "numpy": numpy.__version__, "machine": platform.machine(), "cpus": os.cpu_count()}))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def stage_parser(name, help_text):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--brokers", default=os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092"))
        p.add_argument("--prefix", default="tfio-susy", help="topics are PREFIX-train (1 partition) and PREFIX-test (2)")
        p.add_argument("--state-dir", default=str(DEFAULT_STATE), help="where train saves the model for score/online")
        p.add_argument("--dataset", default="", help="label for the JSON line (the CSV's name)")
        p.add_argument("--no-workarounds", action="store_true",
                       help="run tensorflow-io exactly as the tutorial does (fails against Kafka >= 4)")
        p.add_argument("--rdkafka", action="append", default=[], metavar="KEY=VALUE",
                       help="extra librdkafka setting for tensorflow-io's consumers (not in the tutorial; "
                            "e.g. fetch.wait.max.ms=10); reported in the JSON line")
        p.add_argument("--watchdog", type=float, default=600, help="seconds before a hung group read is reported")
        p.add_argument("--stop-when-drained", action="store_true",
                       help="online: leave the loop once the records present at the start are trained on, instead "
                            "of idling for the stream timeout (saves wall time; throughput excludes that idle tail "
                            "anyway). score always waits: tensorflow-io blocks in its last poll either way")
        return p

    p = sub.add_parser("gen", help="write a synthetic CSV of the real file's shape")
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", required=True)
    p.add_argument("--source", default=str(DEFAULT_CSV))
    p.set_defaults(func=cmd_gen)

    p = stage_parser("load", "write the CSV's rows to PREFIX-train / PREFIX-test with kafka-python")
    p.add_argument("--csv", default=str(DEFAULT_CSV))
    p.add_argument("--test-fraction", type=float, default=0.4)
    p.set_defaults(func=cmd_load)

    p = stage_parser("train", "IODataset.from_kafka -> shuffle -> decode -> batch -> fit")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--shuffle", type=int, default=64)
    p.set_defaults(func=cmd_train)

    p = stage_parser("profile-train", "time the from_kafka reader alone, and the same fit fed from memory")
    p.add_argument("--csv", default=str(DEFAULT_CSV), help="the CSV that load wrote (for the in-memory fit)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--shuffle", type=int, default=64)
    p.set_defaults(func=cmd_profile_train)

    p = stage_parser("score", "KafkaGroupIODataset -> decode -> batch -> evaluate")
    p.add_argument("--group", default=None, help="consumer group (default: a new one per run)")
    p.add_argument("--stream-timeout", type=int, default=10000, help="ms")
    p.add_argument("--batch", type=int, default=64)
    p.set_defaults(func=cmd_score)

    p = stage_parser("online", "KafkaBatchIODataset -> per mini-batch shuffle/decode/batch(32)/fit")
    p.add_argument("--group", default=None, help="consumer group (default: a new one per run)")
    p.add_argument("--topic", default=None, help="default PREFIX-train, as in the tutorial")
    p.add_argument("--stream-timeout", type=int, default=10000, help="ms")
    p.add_argument("--epochs", type=int, default=3)
    p.set_defaults(func=cmd_online)

    p = stage_parser("all", "load, train, score, online, each in its own process")
    p.add_argument("--csv", default=str(DEFAULT_CSV))
    p.add_argument("--test-fraction", type=float, default=0.4)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--online-epochs", type=int, default=3)
    p.add_argument("--stream-timeout", type=int, default=10000, help="ms")
    p.set_defaults(func=cmd_all)

    p = sub.add_parser("versions", help="print the stack's versions as JSON")
    p.set_defaults(func=cmd_versions)

    args = parser.parse_args(argv)
    if args.command in ("train", "score", "online", "all", "profile-train") and not args.dataset and getattr(args, "csv", None):
        args.dataset = Path(args.csv).name
    args.func(args)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TF's banner out; tfio's Kafka errors still show
    main()
