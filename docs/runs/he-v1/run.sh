#!/usr/bin/env bash
# he: nuclei v6 fine-tuned on H&E only (the MoNuSeg training fold, weighted 3x, and the 91 DSB2018 H&E images),
# scored every 10 epochs on the MoNuSeg validation fold (3 training images held out).
cd "$(dirname "$0")/../../.."   # the repository root; folds from `bash ops/zoo-data.sh`
M=.tmp/cv/monuseg_he/train
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir $M --dir $M --dir $M \
  --dir ../shared/data/train/dsb2018/brightfield_rgb --pretrained nuclei \
  --schedule offline --lr 0.1 --epochs 60 --images-per-epoch 64 --test-every 10 --checkpoint-every 5 \
  --test-dir .tmp/cv/monuseg_he/val --name he --out .tmp/hezoo/he --seed 1 --device cpu
