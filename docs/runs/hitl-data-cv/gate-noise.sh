#!/usr/bin/env bash
# Session 22 (issue 19): how much one held-back frame tells a gate. Two fold models of run.sh (trained on the first 8
# and the first 16 images of the Usiigaci training fold) segment each of the 8 validation-fold images at 46 px (the
# service loop's --diameter); `acqseg eval --json` gives each image's AP@0.5 (kept here as nN/val-46.json, beside each
# run's loss record). The table of their differences, and what they mean for the train worker's gate, is in
# docs/hitl/README.md ("What limits the loop").
cd "$(dirname "$0")/../../.."
read -r -a acqseg <<< "${ACQSEG:-dotnet run --project src/Cli -c Release --}"
export OMP_NUM_THREADS=1
for n in "$@"; do
    out=.tmp/data-cv/n$n/val-46
    mkdir -p "$out"
    "${acqseg[@]}" segment .tmp/cv/usiigaci_phase/val --model .tmp/data-cv/n$n/model.pth --diameter 46 --exact \
        --out "$out" --device cpu > /dev/null
    "${acqseg[@]}" eval --pred "$out" --gt .tmp/cv/usiigaci_phase/val --json > .tmp/data-cv/n$n/val-46.json
done
