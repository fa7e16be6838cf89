#!/usr/bin/env bash
# Which zoo start transfers best to real phase contrast: the same short online fine-tune (50 epochs of 16 crops at
# lr 0.1) from each, scored on the validation fifth of the training folder (true diameters).
cd "$(dirname "$0")/../../.."   # the repository root; folds from `bash ops/zoo-data.sh`
A="dotnet run --project src/Cli -c Release --"
for start in general cyto nuclei; do
  $A train --dir .tmp/cv/usiigaci_phase/train --test-dir .tmp/cv/usiigaci_phase/val --pretrained $start \
    --schedule online --epochs 100 --stop-after-epoch 50 --images-per-epoch 16 --test-every 25 --checkpoint-every 25 \
    --name phase-from-$start --out .tmp/phase-starts/$start --seed 1 --device cpu
done
