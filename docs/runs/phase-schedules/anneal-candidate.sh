#!/usr/bin/env bash
# The annealed phase candidate of session 18 (not promoted): phase v2's data (the 38 Usiigaci training images, whole cells, and 20 synthetic phase frames) from nuclei v6,
# with the schedule chosen by cross-validation on the training folder (docs/runs/phase-schedules/cv.sh): 150 epochs of 16
# images at lr 0.1 (weight decay 1e-4), constant for 60 epochs, then halved every 10 (the annealed schedule).
cd "$(dirname "$0")/../../.."   # the repository root; folds and the synthetic test folder from `bash ops/zoo-data.sh`
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir ../shared/data/train/usiigaci_phase \
  --synth-style phase --synth-count 20 --pretrained nuclei --schedule offline --lr 0.1 --weight-decay 1e-4 \
  --epochs 150 --images-per-epoch 16 --test-every 30 --checkpoint-every 10 --test-dir .tmp/eval/synth_phase \
  --name phase --out .tmp/phasezoo3/phase --seed 1 --device cpu
