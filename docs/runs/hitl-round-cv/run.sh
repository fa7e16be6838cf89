#!/usr/bin/env bash
# Session 19 (issue 19): how long a loop round should train, for a handful of corrected frames (4 fold images, ~250 ROIs),
# scored on the validation fold. The online schedule has a constant rate, so one long run read at every 25 epochs
# stands for rounds of those lengths.
cd "$(dirname "$0")/../../.."   # the repository root; folds from `bash ops/zoo-data.sh`, train4 = the first 4 fold images
export OMP_NUM_THREADS=1
mkdir -p .tmp/cv/usiigaci_phase/train4
for s in 11 12 13 14; do for k in img masks; do
    ln -sf "$(realpath .tmp/cv/usiigaci_phase/train/usiigaci_train_set${s}_${k}.tif)" .tmp/cv/usiigaci_phase/train4/
done; done
dotnet run --project src/Cli -c Release -- train --dir .tmp/cv/usiigaci_phase/train4 --test-dir .tmp/cv/usiigaci_phase/val \
  --pretrained nuclei --schedule online --epochs 300 --test-every 25 --checkpoint-every 50 --name round-cv \
  --out .tmp/round-cv/run --seed 1 --device cpu
