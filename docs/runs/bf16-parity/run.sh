#!/usr/bin/env bash
# Issue 23 (session 20): may `--precision auto` run bf16 for each shipped model? `acqseg zoo parity` segments training
# images (never the evaluation folders) with the exact path and with bf16 on Cellpose's tiles, and writes
# models/NAME/bf16.json; auto runs bf16 only where every image reaches AP@0.5 >= 0.99 against exact.
# Usage: bash docs/runs/bf16-parity/run.sh [acqseg binary]   (default: dotnet run of src/Cli)
set -euo pipefail
cd "$(dirname "$0")/../../.."
A=${1:-"dotnet run --project src/Cli -c Release --"}
export OMP_NUM_THREADS=1
T=../shared/data/train
S=.tmp/bf16-parity
# cyto and general learnt from synthetic frames: check them on new ones of their styles (seeds unlike the training ones).
[ -d $S/cyto ] || $A synth --style cyto --count 8 --size 512 --seed 9001 --out $S/cyto >/dev/null
[ -d $S/phase ] || $A synth --style phase --count 8 --size 512 --diameter 15 --seed 9002 --out $S/phase >/dev/null
$A zoo parity nuclei --dir $T/dsb2018/fluo --images 20
$A zoo parity he --dir $T/dsb2018/brightfield_rgb $T/monuseg_he --images 8
$A zoo parity phase --dir $T/usiigaci_phase $S/phase --images 8
$A zoo parity cyto --dir $S/cyto --images 8 --chan 1 --chan2 2
$A zoo parity general --dir $T/dsb2018/fluo $T/usiigaci_phase $S/cyto --images 6
