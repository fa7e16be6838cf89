#!/usr/bin/env bash
# phase v4: phase v3 averaged with a second run of v3's recipe that differs only in the seed (a "model soup"), chosen
# on the Usiigaci folds (docs/runs/phase-soup: two-fold mean AP@0.5 0.791 for the soups against 0.785 for the seed-1
# fold models, at 0.4 / -0.5). The seed-2 run's loss and record are beside this file; v3's are in docs/runs/phase-v3.
# Then the size model, the soup's thresholds (chosen on the same folds: docs/runs/phase-soup/grid.sh), the bf16 check,
# the styles and the scores, as for v3.
cd "$(dirname "$0")/../../.."   # the repository root; .tmp folders from `bash ops/zoo-data.sh`
acqseg() { OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- "$@"; }
acqseg train --dir ../shared/data/train/usiigaci_phase --synth-style phase --synth-count 20 \
  --pretrained nuclei --schedule online --epochs 60 --images-per-epoch 40 --test-every 20 --checkpoint-every 5 \
  --test-dir .tmp/eval/synth_phase --name phase --out .tmp/phasezoo-s2/phase --seed 2 --device cpu
acqseg zoo average phase@3 .tmp/phasezoo-s2/phase/model.pth --out .tmp/phasezoo-soup/soup.pth
acqseg zoo import .tmp/phasezoo-soup/soup.pth --name phase --run .tmp/phasezoo-s2/phase --notes "phase v3 averaged with ..."
acqseg zoo train-size phase --dir .tmp/sizeset/phase-real --epochs 3 --seed 1 --refine-passes 4 --device cpu
acqseg zoo set-thresholds phase --flow-threshold 0.4 --cellprob-threshold -0.5 --chosen-by "cross-validation on ..."
acqseg synth --style phase --count 8 --size 512 --diameter 15 --seed 9002 --out .tmp/bf16-parity/phase
acqseg zoo parity phase --dir ../shared/data/train/usiigaci_phase .tmp/bf16-parity/phase --images 8
acqseg zoo add-styles phase --dir .tmp/size/phase ../shared/data/train/usiigaci_phase --device cpu
acqseg zoo eval phase --device cpu --dir ../shared/data/real/usiigaci_phase .tmp/eval/synth_phase
acqseg zoo eval phase --device cpu --true-diameter --dir ../shared/data/real/usiigaci_phase .tmp/eval/synth_phase
acqseg zoo eval phase --device cpu --fast --dir ../shared/data/real/usiigaci_phase
