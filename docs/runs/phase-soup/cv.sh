#!/usr/bin/env bash
# phase: does the average of two seeds' weights (a "model soup": both fine-tuned from nuclei v6 with phase v3's
# recipe, differing only in the seed) beat either seed, on the Usiigaci training folds? Seeds alone move a fold's
# AP@0.5 by about 0.04 (docs/zoo-training.md, session 22), which an average of the two could take out.
# Fold K is docs/runs/phase-thresholds/cv.sh's (every fifth training image from image K held out); both fold models
# come from docs/runs/phase-thresholds/fold-model.sh (the seed-1 one is the one cv.sh uses). Each network segments
# the 8 held-out images at 46 px (flows saved), and the masks are rebuilt at Cellpose's thresholds (0.4, 0) and at
# phase's chosen ones (0.4, -0.5).
# Usage: bash docs/runs/phase-soup/cv.sh K [acqseg binary]     (writes .tmp/phase-soup/foldK/scores.csv)
set -euo pipefail
cd "$(dirname "$0")/../../.."
fold=${1:?fold 0-4}
acqseg=${2:-.tmp/bin/acqseg}
bash docs/runs/phase-thresholds/fold-model.sh "$fold" 1 "$acqseg"
bash docs/runs/phase-thresholds/fold-model.sh "$fold" 2 "$acqseg"
split=.tmp/cv-fold$fold/usiigaci_phase
seed1=.tmp/phase-fold$fold/run/model.pth
seed2=.tmp/phase-fold$fold-s2/run/model.pth
out=.tmp/phase-soup/fold$fold
rm -rf "$out" && mkdir -p "$out"
"$acqseg" zoo average "$seed1" "$seed2" --out "$out/soup.pth" > /dev/null
echo "network,flow,cellprob,ap50,ap75" > "$out/scores.csv"
for net in seed1 seed2 soup; do
  case $net in seed1) pth=$seed1 ;; seed2) pth=$seed2 ;; soup) pth=$out/soup.pth ;; esac
  "$acqseg" segment "$split"/val/*_img.tif --model "$pth" --diameter 46 --save-flows --out "$out/$net/flows" \
    --device cpu > /dev/null
  for th in "0.4 0" "0.4 -0.5"; do
    read -r ft cp <<< "$th"
    masks=$out/$net/flow${ft}_cellprob$cp
    "$acqseg" remask "$out/$net/flows" --flow-threshold "$ft" --cellprob-threshold "$cp" --out "$masks" > /dev/null
    "$acqseg" eval --pred "$masks" --gt "$split/val" --json > "$masks.json"
    python3 -c "import json; m=json.load(open('$masks.json'))['mean']; print('$net,$ft,$cp,%.3f,%.3f' % (m['ap50'], m['ap75']))" >> "$out/scores.csv"
  done
done
cat "$out/scores.csv"
