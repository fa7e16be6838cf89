#!/usr/bin/env bash
# Mask thresholds for phase, chosen on the Usiigaci training folder only (issue 19: thresholds by cross-validation on
# the training folders, never on data/real).
# Fold K holds out every fifth training image in name order, starting at image K (fold 0 is the split ops/zoo-data.sh
# makes in .tmp/cv). A fold model (phase v3's recipe on the fold's 30 other images, seed 1; fold-model.sh) segments
# the 8 held-out images once at 46 px with its flows saved; the masks are then rebuilt from those flows over a grid of
# flow and cell-probability thresholds (`acqseg remask`, no network) and scored against the true masks. Test-time
# augmentation needs the network again, so it is scored at the default thresholds only.
# Usage: bash docs/runs/phase-thresholds/cv.sh K [acqseg binary]     (writes .tmp/phase-thresholds/foldK/grid.csv)
# Session 23 ran folds 0 and 1 to choose and fold 2 as a check afterwards; their grids are foldK-grid.csv here.
set -euo pipefail
cd "$(dirname "$0")/../../.."
fold=${1:?fold 0-4}
acqseg=${2:-.tmp/bin/acqseg}
bash docs/runs/phase-thresholds/fold-model.sh "$fold" 1 "$acqseg"
split=.tmp/cv-fold$fold/usiigaci_phase
model=.tmp/phase-fold$fold/run/model.pth
out=.tmp/phase-thresholds/fold$fold
rm -rf "$out" && mkdir -p "$out/flows"
"$acqseg" segment "$split"/val/*_img.tif --model "$model" --diameter 46 --save-flows --out "$out/flows" --device cpu > /dev/null
"$acqseg" segment "$split"/val/*_img.tif --model "$model" --diameter 46 --augment --out "$out/augment" --device cpu > /dev/null
echo "setting,ap50,ap75" > "$out/grid.csv"
score() { # score NAME FOLDER: mean AP@0.5 and AP@0.75 of the folder's masks (per image in NAME.json)
  "$acqseg" eval --pred "$2" --gt "$split/val" --json > "$out/$1.json"
  python3 -c "import json; m=json.load(open('$out/$1.json'))['mean']; print('$1,%.3f,%.3f' % (m['ap50'], m['ap75']))" >> "$out/grid.csv"
}
score segment "$out/flows"  # the masks segment wrote beside the flows (0.4, 0): remask at 0.4, 0 should match
score augment "$out/augment"
for ft in 0 0.2 0.3 0.4 0.5 0.6 0.8; do
  for cp in -2 -1 -0.5 0 0.5 1; do
    name="flow${ft}_cellprob${cp}"
    "$acqseg" remask "$out/flows" --flow-threshold "$ft" --cellprob-threshold "$cp" --out "$out/$name" > /dev/null
    score "$name" "$out/$name"
  done
done
cat "$out/grid.csv"
