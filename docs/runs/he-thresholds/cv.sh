#!/usr/bin/env bash
# Mask thresholds for he, chosen on the H&E training folders only (issue 19: thresholds by cross-validation on the
# training folders, never on data/real).
# Fold K holds out every fifth MoNuSeg and every fifth DSB2018 H&E training image in name order, from image K
# (fold 0: the MoNuSeg validation fold of ops/zoo-data.sh, the 3 images he v1's run was scored on, and 19 of the 91
# DSB images). A fold model is trained with he v1's recipe (docs/runs/he-v1/run.sh) on the rest, and gets a size
# model with he's recipe on the same images, so the held-out images are segmented as the service segments them: at
# the size model's estimate. Each held-out image is segmented once with its flows saved; the masks are then rebuilt
# from those flows over a grid of flow and cell-probability thresholds (`acqseg remask`, no network) and scored per
# folder against the true masks.
# Usage: bash docs/runs/he-thresholds/cv.sh K [acqseg binary]     (writes .tmp/he-thresholds/foldK/grid.csv)
# Session 24 ran fold 0 to choose (about 50 min of training beside other runs, then the size model and the grid) and
# fold 1 as a check; their grids are foldK-grid.csv here.
set -euo pipefail
cd "$(dirname "$0")/../../.."
fold=${1:?fold 0-4}
acqseg=${2:-.tmp/bin/acqseg}
dsb=../shared/data/train/dsb2018/brightfield_rgb
mon=../shared/data/train/monuseg_he
split=.tmp/he-fold$fold
if [ ! -d "$split" ]; then
  for part in train val; do mkdir -p "$split/dsb_$part" "$split/monuseg_$part"; done
  link() { ln -s "$(realpath "$1")" "$(realpath "${1%_img.tif}_masks.tif")" "$2/"; }
  i=0
  for img in $(ls "$dsb"/*_img.tif); do
    if [ $((i % 5)) -eq "$fold" ]; then link "$img" "$split/dsb_val"; else link "$img" "$split/dsb_train"; fi
    i=$((i + 1))
  done
  i=0   # the same pick as ops/zoo-data.sh's cv_split
  for img in $(ls "$mon"/*_img.tif); do
    if [ $((i % 5)) -eq "$fold" ]; then link "$img" "$split/monuseg_val"; else link "$img" "$split/monuseg_train"; fi
    i=$((i + 1))
  done
fi
run=.tmp/he-fold$fold-model/run
if [ ! -f "$run/model.pth" ]; then
  M=$split/monuseg_train
  OMP_NUM_THREADS=1 "$acqseg" train --dir $M --dir $M --dir $M --dir "$split/dsb_train" --pretrained nuclei \
    --schedule offline --lr 0.1 --epochs 60 --images-per-epoch 64 --test-every 20 --checkpoint-every 5 \
    --test-dir "$split/monuseg_val" --name he-fold$fold --out "$run" --seed 1 --device cpu
fi
zoo=.tmp/he-fold$fold-model/zoo
if [ ! -f "$zoo/he-fold$fold/size.json" ]; then
  rm -rf "$zoo"
  "$acqseg" zoo import "$run/model.pth" --name he-fold$fold --run "$run" --zoo "$zoo" > /dev/null
  "$acqseg" zoo train-size he-fold$fold --dir "$split/dsb_train" "$split/monuseg_train" --epochs 3 --seed 1 \
    --refine-passes 4 --device cpu --zoo "$zoo"
fi
out=.tmp/he-thresholds/fold$fold
rm -rf "$out" && mkdir -p "$out"
for set in dsb monuseg; do
  ACQSEG_ZOO=$zoo "$acqseg" segment "$split/${set}_val" --model he-fold$fold --diameter 0 --save-flows \
    --out "$out/$set/flows" --device cpu > /dev/null
done
echo "setting,dsb_ap50,dsb_ap75,monuseg_ap50,monuseg_ap75,mean_ap50" > "$out/grid.csv"
score() { # score NAME: mean AP@0.5 and AP@0.75 of each folder's masks in $out/SET/NAME (per image in NAME.json)
  local row=$1
  for set in dsb monuseg; do
    "$acqseg" eval --pred "$out/$set/$1" --gt "$split/${set}_val" --json > "$out/$set/$1.json"
    row+=$(python3 -c "import json; m=json.load(open('$out/$set/$1.json'))['mean']; print(',%.3f,%.3f' % (m['ap50'], m['ap75']))")
  done
  echo "$row" | awk -F, -v OFS=, '{ printf "%s,%.3f\n", $0, ($2 + $4) / 2 }' >> "$out/grid.csv"
}
score flows  # the masks segment wrote beside the flows (0.4, 0): remask at 0.4, 0 should match
for ft in 0 0.2 0.3 0.4 0.5 0.6 0.8; do
  for cp in -2 -1 -0.5 0 0.5 1; do
    name="flow${ft}_cellprob${cp}"
    for set in dsb monuseg; do
      "$acqseg" remask "$out/$set/flows" --flow-threshold "$ft" --cellprob-threshold "$cp" --out "$out/$set/$name" > /dev/null
    done
    score "$name"
  done
done
sort -t, -k6 -nr "$out/grid.csv" | head -8
