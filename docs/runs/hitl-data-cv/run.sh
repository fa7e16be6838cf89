#!/usr/bin/env bash
# Session 22 (issue 19): how many fully annotated frames a fine-tune from nuclei v6 needs to come near the full-data
# model, on the Usiigaci cross-validation folds only. The first N images of the 30-image training fold (name order),
# with all their true masks, 200 online epochs (the service loop's round length), scored on the 8-image validation fold
# at true diameters every 50 epochs. N = 4 is session 19's round-cv run (docs/runs/hitl-round-cv, 300 epochs).
cd "$(dirname "$0")/../../.."   # the repository root; folds from `bash ops/zoo-data.sh`
read -r -a acqseg <<< "${ACQSEG:-dotnet run --project src/Cli -c Release --}"
export OMP_NUM_THREADS=1
for n in "$@"; do
    dir=.tmp/cv/usiigaci_phase/train$n
    mkdir -p "$dir"
    for img in $(ls .tmp/cv/usiigaci_phase/train/*_img.tif | head -n "$n"); do
        ln -sf "$(realpath "$img")" "$dir/"
        ln -sf "$(realpath "${img%_img.tif}_masks.tif")" "$dir/"
    done
    "${acqseg[@]}" train --dir "$dir" --test-dir .tmp/cv/usiigaci_phase/val --pretrained nuclei --schedule online \
        --epochs 200 --test-every 50 --checkpoint-every 50 --name data-cv$n --out .tmp/data-cv/n$n --seed 1 --device cpu
done
