#!/usr/bin/env bash
# Runs the tutorial's pipeline (bench/tfio/tutorial.py) on the real 8k rows and on synthetic
# volumes, printing one JSON line per stage on stdout (logs on stderr).
#   bench/tfio/run.sh [--quick] [--brokers HOST:PORT] [--prefix P] [--out FILE.jsonl]
# --quick: 8k real rows (10 epochs) + 100k synthetic rows (1 epoch) — about 5 minutes.
# full:    8k real rows (10 epochs) + 100k synthetic (10 epochs) + 1M synthetic (1 epoch).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
quick=0; brokers="${KAFKA_BROKERS:-127.0.0.1:9092}"; prefix="tfio-susy"; out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --brokers) brokers="$2"; shift ;;
    --prefix) prefix="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
"$here/setup.sh" >&2
# Quick mode leaves the online loop once the topic is read instead of idling for the 10 s stream timeout
# (their throughput excludes that idle tail in both modes).
drained=(); [[ $quick == 1 ]] && drained=(--stop-when-drained)
py="$here/.venv/bin/python"
state="$here/.state"
real="$state/susy-8k.csv"  # the repository's data/susy-8k.csv.gz, unzipped once
[[ -f "$real" ]] || { mkdir -p "$state"; gunzip -c "$here/../../data/susy-8k.csv.gz" > "$real"; }

synthetic() {  # rows -> path of a cached seeded synthetic CSV
  local file="$state/susy-synth-$1-seed7.csv"
  [[ -f "$file" ]] || "$py" "$here/tutorial.py" gen --rows "$1" --seed 7 --out "$file" >&2
  echo "$file"
}

run() {  # csv epochs name
  "$py" "$here/tutorial.py" all --brokers "$brokers" --prefix "$prefix-$3" --csv "$1" --epochs "$2" "${drained[@]}"
}

{
  "$py" "$here/tutorial.py" versions
  run "$real" 10 8k
  if [[ $quick == 1 ]]; then
    run "$(synthetic 100000)" 1 100k
  else
    run "$(synthetic 100000)" 10 100k
    run "$(synthetic 1000000)" 1 1m
  fi
} | if [[ -n "$out" ]]; then tee "$out"; else cat; fi
