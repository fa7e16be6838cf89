#!/usr/bin/env bash
# The schedule behind phase v3, chosen on the training folder only: nuclei v6 fine-tuned on the cross-validation
# training fold of usiigaci_phase (30 images) and scored on its validation fold (8 images, true diameters), as the
# start comparison (docs/runs/phase-starts) did, but 150 epochs of 16 images with annealing after epoch 60.
cd "$(dirname "$0")/../../.."
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir .tmp/cv/usiigaci_phase/train \
  --test-dir .tmp/cv/usiigaci_phase/val --pretrained nuclei --schedule offline --lr 0.1 --weight-decay 1e-4 \
  --epochs 150 --images-per-epoch 16 --test-every 30 --checkpoint-every 10 --name phase-anneal \
  --out .tmp/phase-anneal/run --seed 1 --device cpu

# Phase v2's own recipe on the same folds (online schedule, lr 0.1, 40 images an epoch). Session 18 stopped it after
# epoch 40, as v2 was; session 19 ran the same command without --stop-after-epoch, which resumed it to epoch 60.
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir .tmp/cv/usiigaci_phase/train \
  --test-dir .tmp/cv/usiigaci_phase/val --pretrained nuclei --schedule online --epochs 60 --stop-after-epoch 40 \
  --images-per-epoch 40 --test-every 20 --checkpoint-every 10 --name phase-v2cv --out .tmp/phase-v2cv/run \
  --seed 1 --device cpu
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir .tmp/cv/usiigaci_phase/train \
  --test-dir .tmp/cv/usiigaci_phase/val --pretrained nuclei --schedule online --epochs 60 \
  --images-per-epoch 40 --test-every 20 --checkpoint-every 10 --name phase-v2cv --out .tmp/phase-v2cv/run \
  --seed 1 --device cpu

# Session 19: the same recipe at diam_mean 30 (whole cells of ~48 px shrunk to 30 px rather than 17).
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir .tmp/cv/usiigaci_phase/train \
  --test-dir .tmp/cv/usiigaci_phase/val --pretrained nuclei --schedule online --epochs 60 --diam-mean 30 \
  --images-per-epoch 40 --test-every 20 --checkpoint-every 10 --name phase-dm30cv --out .tmp/phase-dm30cv/run \
  --seed 1 --device cpu

# Session 21: v2's recipe (diam_mean 17) carried to 100 epochs in one run, scored every 20 (records e100cv-*): 0.761
# after epoch 61, 0.715 after 81, 0.771 after 100, against 0.772 after 60 in the run above, so phase stays at 60 epochs.
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir .tmp/cv/usiigaci_phase/train \
  --test-dir .tmp/cv/usiigaci_phase/val --pretrained nuclei --schedule online --epochs 100 \
  --images-per-epoch 40 --test-every 20 --checkpoint-every 10 --name phase-e100cv --out .tmp/phase-e100cv/run \
  --seed 1 --device cpu

# Session 21: the same 60-epoch recipe at Cellpose's full widths, widened from nuclei v6 (Net2WiderNet) (records
# widecv-*): 0.627, 0.714 and 0.780 after epochs 21, 41 and 60.
dotnet run --project src/Cli -c Release -- train --dir .tmp/cv/usiigaci_phase/train \
  --test-dir .tmp/cv/usiigaci_phase/val --pretrained nuclei --widths 2,32,64,128,256 --schedule online --epochs 60 \
  --images-per-epoch 40 --test-every 20 --checkpoint-every 10 --name phase-widecv --out .tmp/phase-widecv/run \
  --seed 1 --device cpu

# Session 21: both widths again with seed 2 (records narrow-s2cv-*, 0.735 after epoch 60). Session 22: the wide one
# (records wide-s2cv-*) ended at 0.749, so the full widths gain 0.008-0.014 over two seeds; not adopted (zoo-training.md).
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir .tmp/cv/usiigaci_phase/train \
  --test-dir .tmp/cv/usiigaci_phase/val --pretrained nuclei --schedule online --epochs 60 \
  --images-per-epoch 40 --test-every 20 --checkpoint-every 10 --name phase-narrow-s2cv --out .tmp/phase-narrow-s2cv/run \
  --seed 2 --device cpu
OMP_NUM_THREADS=1 dotnet run --project src/Cli -c Release -- train --dir .tmp/cv/usiigaci_phase/train \
  --test-dir .tmp/cv/usiigaci_phase/val --pretrained nuclei --widths 2,32,64,128,256 --schedule online --epochs 60 \
  --images-per-epoch 40 --test-every 20 --checkpoint-every 10 --name phase-wide-s2cv --out .tmp/phase-wide-s2cv/run \
  --seed 2 --device cpu
