#!/usr/bin/env bash
# phase v2: nuclei v6 (the start that transferred best in the cross-validation of general, cyto and nuclei) fine-tuned
# on the 38 Usiigaci training images (real phase contrast, whole cells) with 20 synthetic phase frames so the
# synthetic style is kept; online schedule (lr 0.1, weight decay 1e-4), 60 epochs of 40 images, ended after epoch 40 (the
# session's CPU budget; the same command without --stop-after-epoch resumes to 60).
cd "$(dirname "$0")/../../.."   # the repository root
dotnet run --project src/Cli -c Release -- train --dir ../shared/data/train/usiigaci_phase --synth-style phase --synth-count 20 \
  --pretrained nuclei --schedule online --epochs 60 --images-per-epoch 40 --test-every 20 --checkpoint-every 5 \
  --test-dir .tmp/eval/synth_phase --name phase --out .tmp/phasezoo/phase --seed 1 --device cpu --stop-after-epoch 40
