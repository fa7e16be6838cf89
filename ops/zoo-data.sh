#!/usr/bin/env bash
# Rebuilds the working data sets the zoo's commands in docs/zoo-training.md, docs/zoo-compare.md and docs/hitl/ use:
# synthetic evaluation, size-model and human-in-the-loop frames (fixed seeds, so the same frames every time) and the
# size-model subsets of ../shared/data/train (symbolic links, the data stays in place). Folders that already exist
# are left as they are.
#
#   bash ops/zoo-data.sh                 # from the repository root; writes .tmp/
#   ACQSEG=/path/to/acqseg bash ops/zoo-data.sh   # use a built binary instead of `dotnet run`
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a acqseg <<< "${ACQSEG:-dotnet run --project src/Cli -c Release --}"
train=../shared/data/train/dsb2018
[ -d "$train" ] || { echo "zoo-data: $train not found (the shared data lies beside the repository)" >&2; exit 1; }

synth() { # synth OUT STYLE ARGS...
    local out=$1 style=$2; shift 2
    "${acqseg[@]}" synth --style "$style" --out "$out" "$@" > /dev/null
}
fresh() { [ ! -d "$1" ] && echo "zoo-data: writing $1"; }
link_every() { # link_every K DEST IMAGES...: links every K-th image (from the first) and its masks into DEST
    local k=$1 dest=$2 i=0; shift 2
    mkdir -p "$dest"
    for img in "$@"; do
        if [ $((i % k)) -eq 0 ]; then
            ln -s "$(realpath "$img")" "$dest"/
            ln -s "$(realpath "${img%_img.tif}_masks.tif")" "$dest"/
        fi
        i=$((i + 1))
    done
}

# Held-out synthetic test folders (12 frames, 30 px, density 0.35) and the HITL phase images.
for style in phase cyto; do
    fresh .tmp/eval/synth_$style && synth .tmp/eval/synth_$style $style --count 12 --seed 9001 --diameter 30 --density 0.35
done
fresh .tmp/hitl/phase_images && synth .tmp/hitl/phase_images phase --count 12 --seed 5000 --diameter 30 --density 0.35

# Size-model frames of cyto and phase: 8 frames at each of five diameters.
for style in cyto phase; do
    if fresh .tmp/size/$style; then
        for d in 15 22 30 40 55; do
            synth .tmp/size/$style $style --count 8 --diameter $d --density 0.35 --seed $((100 + d)) --prefix ${style}_d$d
        done
    fi
done

# nuclei: every third DSB training image (names of both folders sorted together) ...
if fresh .tmp/sizeset/nuclei; then
    link_every 3 .tmp/sizeset/nuclei $(ls "$train"/fluo/*_img.tif "$train"/brightfield_rgb/*_img.tif)
fi
# ... plus the H&E training images the every-third pick left out (60 of 91): with a third of them, the size model of
# nuclei v6 misjudged H&E frames (docs/zoo-training.md, session 14) ...
if fresh .tmp/sizeset/nuclei-he; then
    mkdir -p .tmp/sizeset/nuclei-he
    for img in "$train"/brightfield_rgb/*_img.tif; do
        [ -e .tmp/sizeset/nuclei/"$(basename "$img")" ] && continue
        ln -s "$(realpath "$img")" .tmp/sizeset/nuclei-he/
        ln -s "$(realpath "${img%_img.tif}_masks.tif")" .tmp/sizeset/nuclei-he/
    done
fi
# ... and synthetic nuclei of 12-80 px with pixel noise at three levels: the DSB images, even scaled up 1.5x, have no
# large nuclei under fine-grained noise, and without these the size model read GOWT1's 60 px nuclei as 8 px.
if fresh .tmp/sizeset/nuclei-synth; then
    for d in 12 20 30 45 60 80; do
        for noise in 0.05 0.2 0.4; do
            synth .tmp/sizeset/nuclei-synth nuclei --count 6 --size 768 --diameter $d --density 0.2 --noise $noise \
                --seed $((2000 + d * 10 + ${noise#0.})) --prefix synth_d${d}_n${noise#0.}
        done
    done
fi
# ... and gray brightfield frames of dark nuclei (10-30 px) inside large pale cells (3-6x wider), only the nuclei
# labelled (issue 19): without them the style guess put such frames at the cells' size, and the refining passes, run
# where the cells look like nuclei, measured cells.
if fresh .tmp/sizeset/nuclei-in-cells; then
    for d in 10 14 20 30; do
        for scale in 3 4.5 6; do
            size=$(awk -v d=$d -v s=$scale 'BEGIN { n = int(2 * d * s / 16) * 16 + 16; print (n > 512 ? n : 512) }')
            synth .tmp/sizeset/nuclei-in-cells nuclei-in-cells --count 2 --size $size --diameter $d --cell-scale $scale \
                --density 0.5 --seed $((4000 + d * 10 + ${scale%.*})) --prefix nic_d${d}_c${scale/./}
        done
    done
fi

# general (gray images only; the two-channel cyto frames cannot share one --chan with them): every second image of
# the nuclei size set, every second synthetic nucleus frame and the 40 phase size frames.
if fresh .tmp/sizeset/general; then
    link_every 2 .tmp/sizeset/general $(ls .tmp/sizeset/nuclei/*_img.tif)
    link_every 2 .tmp/sizeset/general .tmp/sizeset/nuclei-synth/*_img.tif
    link_every 1 .tmp/sizeset/general .tmp/size/phase/*_img.tif
fi
# Size checks (`zoo size-check`) outside every fit and outside the evaluation set: every tenth DSB training image from
# the second (60; 20 of them are also in the nuclei size set) and 20 new synthetic nuclei frames of 16-70 px.
if fresh .tmp/sizecheck/dsb; then
    link_every 10 .tmp/sizecheck/dsb $(ls "$train"/fluo/*_img.tif "$train"/brightfield_rgb/*_img.tif | tail -n +2)
fi
if fresh .tmp/sizecheck/synth; then
    for d in 16 25 40 55 70; do
        for noise in 0.1 0.3; do
            synth .tmp/sizecheck/synth nuclei --count 2 --size 768 --diameter $d --density 0.2 --noise $noise \
                --seed $((7000 + d * 10 + ${noise#0.})) --prefix val_d${d}_n${noise#0.}
        done
    done
fi
if fresh .tmp/sizecheck/nuclei-in-cells; then
    for d in 12 18 25; do
        for scale in 3.5 5; do
            synth .tmp/sizecheck/nuclei-in-cells nuclei-in-cells --count 2 --size 768 --diameter $d --cell-scale $scale \
                --density 0.5 --seed $((8000 + d * 10 + ${scale%.*})) --prefix val_nic_d${d}_c${scale/./}
        done
    done
fi
# Training frames for nuclei version 4: sparse-to-moderate fields whose nuclei span a 15x brightness range (dim
# nuclei near the background beside saturated ones), at four sizes, two densities, two noise levels, 8 and 16 bit.
# The DSB images and the generator's default frames vary brightness by 2x at most.
if fresh .tmp/train/nuclei-dim; then
    for d in 15 25 40 60; do
        for density in 0.12 0.25; do
            for noise in 0.05 0.15; do
                bits=$(( (d + ${noise#0.}) % 2 == 0 ? 8 : 16 ))
                synth .tmp/train/nuclei-dim nuclei --count 5 --size 512 --diameter $d --density $density --noise $noise \
                    --brightness-range 15 --bit-depth $bits --seed $((3000 + d * 100 + ${density#0.} + ${noise#0.})) \
                    --prefix dim_d${d}_p${density#0.}_n${noise#0.}
            done
        done
    done
fi
# Training frames for nuclei version 5: sparse fields of nuclei with up to 3 dark nucleoli each, a 20x brightness
# range (8 bit, so the brightest clip), nuclei of 25-70 px. Where version 4 failed on GOWT1: large saturated nuclei
# missed or split at their nucleolus.
if fresh .tmp/train/nuclei-nucleoli; then
    for d in 25 35 50 70; do
        for den in 8 15; do
            synth .tmp/train/nuclei-nucleoli nuclei --count 8 --size 512 --diameter $d --size-jitter 0.3 \
                --density 0.$(printf %02d $den) --nucleoli 3 --brightness-range 20 --bit-depth 8 \
                --seed $((7000 + d * 100 + den)) --prefix nucleoli_d${d}_p${den}
        done
    done
fi
# Cross-validation folds of the new real training folders (issue 19): every fifth image in name order (from the
# first) is the validation part, the rest the training part. Starts, epochs and size-model settings are chosen on
# these, never on ../shared/data/real.
cv_split() { # cv_split SRC DEST: DEST/train and DEST/val as links
    local src=$1 dest=$2 i=0
    mkdir -p "$dest/train" "$dest/val"
    for img in $(ls "$src"/*_img.tif); do
        local part=train
        [ $((i % 5)) -eq 0 ] && part=val
        ln -s "$(realpath "$img")" "$dest/$part/"
        ln -s "$(realpath "${img%_img.tif}_masks.tif")" "$dest/$part/"
        i=$((i + 1))
    done
}
for set in usiigaci_phase monuseg_he; do
    fresh .tmp/cv/$set && cv_split ../shared/data/train/$set .tmp/cv/$set
done
# Size-model sets of the issue-19 models: phase v2 (the 38 Usiigaci training images and the 40 synthetic phase
# size frames) and he (the 91 DSB2018 H&E and the 15 MoNuSeg training images).
if fresh .tmp/sizeset/phase-real; then
    link_every 1 .tmp/sizeset/phase-real ../shared/data/train/usiigaci_phase/*_img.tif .tmp/size/phase/*_img.tif
fi
if fresh .tmp/sizeset/he; then
    link_every 1 .tmp/sizeset/he "$train"/brightfield_rgb/*_img.tif ../shared/data/train/monuseg_he/*_img.tif
fi
# Style examples of general (issue 19: without any, `zoo suggest` could never choose it): a sample of its own
# training mix, thinner than each specialist's examples of the same kind (every tenth DSB fluorescence image, every
# fifth H&E one, 20 synthetic nuclei and 20 synthetic phase frames), so a specialist still wins inside its own domain
# and general where no specialist's examples crowd the neighbourhood.
if fresh .tmp/styles/general; then
    link_every 10 .tmp/styles/general "$train"/fluo/*_img.tif
    link_every 5 .tmp/styles/general "$train"/brightfield_rgb/*_img.tif
    synth .tmp/styles/general nuclei --count 20 --size 256 --diameter 25 --density 0.3 --seed 6100 --prefix gen_nuclei
    synth .tmp/styles/general phase --count 20 --size 256 --diameter 30 --density 0.35 --seed 6200 --prefix gen_phase
fi
echo "zoo-data: done"
