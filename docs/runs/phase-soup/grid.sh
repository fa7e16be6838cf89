#!/usr/bin/env bash
# The soup's own mask thresholds, on the same folds: the flows cv.sh saved for the soup of fold K are remasked over
# phase-thresholds/cv.sh's grid of flow and cell-probability thresholds and scored against the held-out true masks.
# Usage: bash docs/runs/phase-soup/grid.sh K [acqseg binary]     (after cv.sh K; writes .tmp/phase-soup/foldK/grid.csv)
set -euo pipefail
cd "$(dirname "$0")/../../.."
fold=${1:?fold 0-4}
acqseg=${2:-.tmp/bin/acqseg}
split=.tmp/cv-fold$fold/usiigaci_phase
out=.tmp/phase-soup/fold$fold
flows=$out/soup/flows
[ -d "$flows" ] || { echo "phase-soup: $flows missing; run docs/runs/phase-soup/cv.sh $fold first" >&2; exit 1; }
echo "setting,ap50,ap75" > "$out/grid.csv"
for ft in 0 0.2 0.3 0.4 0.5 0.6 0.8; do
  for cp in -2 -1 -0.5 0 0.5 1; do
    masks=$out/grid/flow${ft}_cellprob$cp
    "$acqseg" remask "$flows" --flow-threshold "$ft" --cellprob-threshold "$cp" --out "$masks" > /dev/null 2>&1
    "$acqseg" eval --pred "$masks" --gt "$split/val" --json > "$masks.json"
    python3 -c "import json; m=json.load(open('$masks.json'))['mean']; print('flow${ft}_cellprob$cp,%.3f,%.3f' % (m['ap50'], m['ap75']))" >> "$out/grid.csv"
  done
done
sort -t, -k2 -nr "$out/grid.csv" | head -5
