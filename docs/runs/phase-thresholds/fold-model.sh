#!/usr/bin/env bash
# A fold model of phase v3's recipe on the Usiigaci training folder, shared by phase-thresholds/cv.sh (seed 1) and
# phase-soup/cv.sh (seed 2). Fold K holds out every fifth training image in name order, starting at image K (fold 0 is
# the split ops/zoo-data.sh makes in .tmp/cv); the model is trained on the other 30 and scored on the 8 held out.
# Usage: bash docs/runs/phase-thresholds/fold-model.sh K SEED [acqseg binary]
#   writes .tmp/cv-foldK/usiigaci_phase/{train,val} (links) and .tmp/phase-foldK/run/model.pth (seed 1) or
#   .tmp/phase-foldK-sSEED/run/model.pth (other seeds); both are kept, and reused when they exist.
set -euo pipefail
cd "$(dirname "$0")/../../.."
fold=${1:?fold 0-4}
seed=${2:?seed}
acqseg=${3:-.tmp/bin/acqseg}
split=.tmp/cv-fold$fold/usiigaci_phase
if [ ! -d "$split" ]; then
  mkdir -p "$split/train" "$split/val"
  i=0
  for img in $(ls ../shared/data/train/usiigaci_phase/*_img.tif); do
    part=train
    [ $((i % 5)) -eq "$fold" ] && part=val
    ln -s "$(realpath "$img")" "$(realpath "${img%_img.tif}_masks.tif")" "$split/$part/"
    i=$((i + 1))
  done
fi
name=phase-fold$fold
[ "$seed" -eq 1 ] || name=$name-s$seed
if [ ! -f ".tmp/$name/run/model.pth" ]; then
  OMP_NUM_THREADS=1 "$acqseg" train --dir "$split/train" --test-dir "$split/val" \
    --pretrained nuclei --schedule online --epochs 60 --images-per-epoch 40 --test-every 20 --checkpoint-every 10 \
    --name "$name" --out ".tmp/$name/run" --seed "$seed" --device cpu
fi
