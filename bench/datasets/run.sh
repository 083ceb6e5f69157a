#!/usr/bin/env bash
# The scikit-learn baselines on streamfit's own split of each data set under data/: cuts each file
# with split-file.js (shuffledSplit, fraction 0.25, seed 42) and runs baseline.py on the parts,
# printing one JSON line per model with a "dataset" field added.
# Usage: bench/datasets/run.sh [OUTDIR]   (after `npm run build`; PYTHON defaults to the bench venv)
# Venv: python3 -m venv /work/.venv-bench && /work/.venv-bench/bin/pip install -r bench/datasets/requirements.txt
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$(mktemp -d)}"
python="${PYTHON:-/work/.venv-bench/bin/python}"

# name | file | label | task | numeric features | categorical features
datasets=(
  "segment|segment.csv|category|multiclass|region-centroid-col,region-centroid-row,short-line-density-5,short-line-density-2,vedge-mean,vegde-sd,hedge-mean,hedge-sd,intensity-mean,rawred-mean,rawblue-mean,rawgreen-mean,exred-mean,exblue-mean,exgreen-mean,value-mean,saturation-mean,hue-mean|"
  "seattle-weather|seattle-weather.csv|weather|multiclass|precipitation,temp_max,temp_min,wind|"
  "cars|cars.jsonl|Miles_per_Gallon|regression|Cylinders,Displacement,Horsepower,Weight_in_lbs,Acceleration|Year,Origin"
  "phishing|phishing.csv.gz|is_phishing|binary|empty_server_form_handler,popup_window,https,request_from_other_domain,anchor_from_other_domain,is_popular,long_url,age_of_domain,ip_in_url|"
)

for entry in "${datasets[@]}"; do
  IFS='|' read -r name file label task numeric categorical <<<"$entry"
  ext=csv; [[ "$file" == *.jsonl* ]] && ext=jsonl
  node "$root/dist/bench/datasets/split-file.js" "$root/data/$file" "$out" --fraction 0.25 --seed 42 >&2
  "$python" "$here/baseline.py" --train "$out/$name.train.$ext" --test "$out/$name.test.$ext" \
    --label "$label" --task "$task" --numeric "$numeric" --categorical "$categorical" "${@:2}" \
    | sed "s/^{/{\"dataset\": \"$name\", /"
done
