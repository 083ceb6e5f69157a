#!/usr/bin/env python3
"""scikit-learn baselines on the train/test rows split-file.js cut (streamfit's own split).

Fits a linear model and an MLP on the train file and prints one JSON line of held-out figures per
model on the test file:
  binary, multiclass: LogisticRegression and MLPClassifier -> accuracy, log-loss, macro-F1 (+ AUC
                      for binary)
  regression:         Ridge and MLPRegressor -> RMSE, MAE, R²
Features: numeric ones mean-imputed (a null, an absent field or an empty CSV cell is missing) then
standardised (StandardScaler); categorical ones one-hot, a category unseen in training all zeros.
Rows whose label is missing are dropped from both files and counted ("unlabelled"): streamed, they
are bad input for the dead-letter topic, not something a model is scored on.

Models use scikit-learn's defaults except max_iter (LogisticRegression 1000, MLP --mlp-max-iter,
default 200 as scikit-learn's) and random_state (--seed), so the figures are reproducible.
--mlp-hidden/--mlp-alpha/--mlp-lr/--mlp-early-stopping change the MLP as a user tuning it would.

Usage (venv: bench/datasets/requirements.txt):
  python baseline.py --train T --test S --label L --task binary|multiclass|regression \
      [--numeric a,b] [--categorical c,d] [--positive 1] [--seed 0] [--mlp-hidden 100] ...
"""
import argparse
import csv
import json
import math
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (accuracy_score, f1_score, log_loss, mean_absolute_error,
                             mean_squared_error, r2_score, roc_auc_score)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def read_records(path):
    """Rows as dicts: a CSV with a header (values as text) or JSON lines (values as parsed)."""
    with open(path, encoding='utf-8', newline='') as f:
        if path.endswith('.jsonl'):
            return [json.loads(line) for line in f if line.strip()]
        return list(csv.DictReader(f))


def missing(value):
    return value is None or (isinstance(value, str) and value.strip() == '')


def to_number(value, name):
    if missing(value):
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SystemExit(f'{name}: not a number: {value!r}')
    try:
        return float(value)
    except ValueError:
        raise SystemExit(f'{name}: not a number: {value!r}') from None


def columns(records, numeric, categorical):
    """The feature matrix as an object array: numeric columns first, then categorical ones."""
    out = np.empty((len(records), len(numeric) + len(categorical)), dtype=object)
    for i, r in enumerate(records):
        for j, name in enumerate(numeric):
            out[i, j] = to_number(r.get(name), name)
        for j, name in enumerate(categorical):
            v = r.get(name)
            out[i, len(numeric) + j] = '' if missing(v) else str(v)
    return out


def preprocessor(numeric, categorical):
    parts = []
    if numeric:
        parts.append(('numeric', Pipeline([('impute', SimpleImputer(strategy='mean')),
                                           ('scale', StandardScaler())]),
                      list(range(len(numeric)))))
    if categorical:
        parts.append(('categorical', OneHotEncoder(handle_unknown='ignore', sparse_output=False),
                      list(range(len(numeric), len(numeric) + len(categorical)))))
    return ColumnTransformer(parts)


def models(task, args):
    mlp = dict(hidden_layer_sizes=args.mlp_hidden, alpha=args.mlp_alpha,
               learning_rate_init=args.mlp_lr, max_iter=args.mlp_max_iter,
               early_stopping=args.mlp_early_stopping, random_state=args.seed)
    if task == 'regression':
        return [('Ridge', Ridge()), ('MLPRegressor', MLPRegressor(**mlp))]
    return [('LogisticRegression', LogisticRegression(max_iter=1000)),
            ('MLPClassifier', MLPClassifier(**mlp))]


def figures(task, model, x, y, positive):
    if task == 'regression':
        p = model.predict(x)
        return {'rmse': float(np.sqrt(mean_squared_error(y, p))),
                'mae': float(mean_absolute_error(y, p)), 'r2': float(r2_score(y, p))}
    classes = list(model.classes_)
    proba = model.predict_proba(x)
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    out = {'accuracy': float(accuracy_score(y, predicted)),
           'log_loss': float(log_loss(y, proba, labels=classes)),
           'macro_f1': float(f1_score(y, predicted, average='macro', labels=classes, zero_division=0))}
    if task == 'binary':
        out['auc'] = float(roc_auc_score([v == positive for v in y], proba[:, classes.index(positive)]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--train', required=True)
    ap.add_argument('--test', required=True)
    ap.add_argument('--label', required=True)
    ap.add_argument('--task', required=True, choices=['binary', 'multiclass', 'regression'])
    names = lambda s: [n for n in s.split(',') if n]
    ap.add_argument('--numeric', type=names, default=[])
    ap.add_argument('--categorical', type=names, default=[])
    ap.add_argument('--positive', default='1', help='the positive class of a binary label (for AUC)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--mlp-hidden', type=lambda s: tuple(int(n) for n in s.split(',')), default=(100,))
    ap.add_argument('--mlp-alpha', type=float, default=1e-4)
    ap.add_argument('--mlp-lr', type=float, default=1e-3)
    ap.add_argument('--mlp-max-iter', type=int, default=200)
    ap.add_argument('--mlp-early-stopping', action='store_true')
    ap.add_argument('--only', choices=['linear', 'mlp'], help='fit one of the two models')
    args = ap.parse_args()
    if not args.numeric and not args.categorical:
        raise SystemExit('name at least one feature (--numeric and/or --categorical)')

    data = {}
    for part in ('train', 'test'):
        records = read_records(getattr(args, part))
        labelled = [r for r in records if not missing(r.get(args.label))]
        if args.task == 'regression':
            y = np.array([to_number(r[args.label], args.label) for r in labelled])
        else:
            y = np.array([str(r[args.label]) for r in labelled], dtype=object)
        x = columns(labelled, args.numeric, args.categorical)
        nulls = {n: int(sum(missing(r.get(n)) for r in labelled)) for n in args.numeric + args.categorical}
        data[part] = (x, y, len(records) - len(labelled), {k: v for k, v in nulls.items() if v})

    chosen = models(args.task, args)
    if args.only is not None:
        chosen = chosen[:1] if args.only == 'linear' else chosen[1:]
    for name, estimator in chosen:
        pipe = Pipeline([('features', preprocessor(args.numeric, args.categorical)), ('model', estimator)])
        started = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', ConvergenceWarning)
            pipe.fit(data['train'][0], data['train'][1])
        seconds = time.perf_counter() - started
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        params = {k: v for k, v in estimator.get_params().items()
                  if k in ('hidden_layer_sizes', 'alpha', 'learning_rate_init', 'max_iter', 'early_stopping', 'C')}
        row = {'model': name, 'task': args.task, 'label': args.label,
               'train_rows': len(data['train'][1]), 'test_rows': len(data['test'][1]),
               'unlabelled': {'train': data['train'][2], 'test': data['test'][2]},
               'missing_features': {'train': data['train'][3], 'test': data['test'][3]},
               **figures(args.task, pipe, data['test'][0], data['test'][1], args.positive),
               'params': params, 'seed': args.seed, 'converged': converged,
               'fit_seconds': round(seconds, 3), 'sklearn': sklearn.__version__}
        print(json.dumps(row), flush=True)


if __name__ == '__main__':
    sys.exit(main())
