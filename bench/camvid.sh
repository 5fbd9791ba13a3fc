#!/usr/bin/env bash
# The CamVid benchmark of the model issue: the same budget for each run (default 2000
# iterations at crop 129, batch 4+4), evaluated on val/ at full resolution.
#   1. supervised-only at 1_8   2. AllSpark at 1_8   3. supervised-only on all 367 frames
# then training speed and inference speed. Prints one JSON document per run; logs go to
# runs/camvid/*.log. Usage: bench/camvid.sh [DATA_DIR] [ITERATIONS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/datasets/camvid}"
iterations="${2:-2000}"
out="$root/runs/camvid"
mkdir -p "$out"
[[ -d "$data/train" ]] || { echo "no CamVid folder at $data" >&2; exit 2; }

common=(--data "$data" --iterations "$iterations" --crop 129 --batch 4 --seed 1
        --lr 0.01 --lr-warmup 100 --memory-warmup 200 --eval-every 500)
run() {
  local name="$1"; shift
  echo "== $name" >&2
  "$root/bin/allspark" train "${common[@]}" "$@" --out "$out/$name.ckpt" \
    > "$out/$name.json" 2> "$out/$name.log"
  cat "$out/$name.json"
}
run supervised-1_8 --split 1_8 --method supervised
run allspark-1_8 --split 1_8 --method allspark
run supervised-full --split full --method supervised
"$root/bin/allspark" bench train-step 2> "$out/bench-train-step.log" | tee "$out/bench-train-step.json"
"$root/bin/allspark" bench infer --checkpoint "$out/allspark-1_8.ckpt" 2> "$out/bench-infer.log" | tee "$out/bench-infer.json"
