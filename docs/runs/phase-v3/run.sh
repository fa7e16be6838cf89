#!/usr/bin/env bash
# phase v3: phase v2's recipe carried to the end of its 60-epoch online schedule (v2 stopped after epoch 40), chosen on
# the Usiigaci cross-validation folds (docs/runs/phase-schedules/cv.sh: 0.730 after epoch 40, 0.772 after epoch 60;
# at diam_mean 30, 0.742). nuclei v6 fine-tuned on the 38 Usiigaci training images and 20 synthetic phase frames,
# lr 0.1, weight decay 1e-4, 40 images an epoch; then the size model and the styles, as for v2.
cd "$(dirname "$0")/../../.."   # the repository root; .tmp folders from `bash ops/zoo-data.sh`
acqseg() { OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- "$@"; }
acqseg train --dir ../shared/data/train/usiigaci_phase --synth-style phase --synth-count 20 \
  --pretrained nuclei --schedule online --epochs 60 --images-per-epoch 40 --test-every 20 --checkpoint-every 5 \
  --test-dir .tmp/eval/synth_phase --name phase --out .tmp/phasezoo4/phase --seed 1 --device cpu
acqseg zoo import .tmp/phasezoo4/phase/model.pth --name phase --run .tmp/phasezoo4/phase
acqseg zoo train-size phase --dir .tmp/sizeset/phase-real --epochs 3 --seed 1 --refine-passes 4 --device cpu
acqseg zoo eval phase --device cpu --dir ../shared/data/real/usiigaci_phase .tmp/eval/synth_phase
acqseg zoo eval phase --device cpu --true-diameter --dir ../shared/data/real/usiigaci_phase .tmp/eval/synth_phase
acqseg zoo eval phase --device cpu --fast --dir ../shared/data/real/usiigaci_phase
acqseg zoo add-styles phase --dir .tmp/size/phase ../shared/data/train/usiigaci_phase --device cpu
