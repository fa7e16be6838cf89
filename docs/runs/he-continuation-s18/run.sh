#!/usr/bin/env bash
# Session 18: he v1 trained on for 40 more epochs at lr 0.05 on its own data (the MoNuSeg training fold three times and
# the 91 DSB2018 H&E images), scored every 10 epochs on the MoNuSeg validation fold. Not promoted: the fold's AP@0.5
# fell from v1's 0.591 to 0.531. The offline schedule anneals only runs longer than 110 epochs, so this one did not.
cd "$(dirname "$0")/../../.."
M=.tmp/cv/monuseg_he/train
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir $M --dir $M --dir $M \
  --dir ../shared/data/train/dsb2018/brightfield_rgb --pretrained models/he/model.pth \
  --schedule offline --lr 0.05 --epochs 40 --images-per-epoch 64 --test-every 10 --checkpoint-every 5 \
  --test-dir .tmp/cv/monuseg_he/val --name he --out .tmp/hezoo2/he --seed 2 --device cpu
