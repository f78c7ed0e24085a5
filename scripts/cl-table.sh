#!/usr/bin/env bash
# The continual-learning evidence table on one backbone: every (benchmark, method, seed) run of `npm run experiment`,
# sequentially, into $OUT/<benchmark>/<method>-s<seed>/ (a finished run, one with metrics.json, is skipped, so the
# script can be re-run after an interruption), then the model card's table (npm run model-card -- --cl …).
# Progress: $OUT/progress.log. Everything is configurable by environment:
#   MODEL=default DATA="split-fashion-mnist emoji-styles" METHODS="sdlora sdlora:carry seq-lora ncm" SEEDS="1 2 3"
#   EXTRA="--epochs 5" OUT=runs/cl CARD=1 bash scripts/cl-table.sh
# A method "name:carry" runs `name` with --alphaMode carry; "name:proto" with --head prototype; both combine
# ("sdlora:carry:proto").
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-default}
DATA=${DATA:-"split-fashion-mnist emoji-styles"}
METHODS=${METHODS:-"sdlora sdlora:carry seq-lora ncm"}
SEEDS=${SEEDS:-"1 2 3"}
EXTRA=${EXTRA:-}
OUT=${OUT:-runs/cl}
CARD=${CARD:-1}
mkdir -p "$OUT"
log() { echo "$(date -u +%FT%TZ) $*" | tee -a "$OUT/progress.log"; }
dirs=()
for data in $DATA; do
  for spec in $METHODS; do
    method=${spec%%:*}
    flags=()
    [[ "$spec" == *:carry* ]] && flags+=(--alphaMode carry)
    [[ "$spec" == *:proto* ]] && flags+=(--head prototype)
    for seed in $SEEDS; do
      dir="$OUT/$data/${spec//:/-}-s$seed"
      dirs+=("$dir")
      if [[ -f "$dir/metrics.json" ]]; then log "done already: $dir"; continue; fi
      mkdir -p "$(dirname "$dir")"
      log "run: $dir"
      start=$SECONDS
      # shellcheck disable=SC2086
      npx tsx src/cli/experiment.ts --model "$MODEL" --data "$data" --method "$method" --seed "$seed" "${flags[@]}" $EXTRA --out "$dir" \
        >"$dir.log" 2>&1 || { log "FAILED: $dir (see $dir.log)"; continue; }
      log "finished $dir in $((SECONDS - start)) s: $(node -e "const m=require(require('path').resolve(process.argv[1]));console.log('Acc '+m.acc.toFixed(1)+' AAA '+m.aaa.toFixed(1)+' forgetting '+m.forgetting.toFixed(1))" "$dir/metrics.json")"
    done
  done
done
if [[ "$CARD" == 1 && "$MODEL" == default ]]; then
  finished=()
  for d in "${dirs[@]}"; do [[ -f "$d/metrics.json" ]] && finished+=("$d"); done
  (IFS=,; npx tsx src/cli/modelCard.ts --cl "${finished[*]}")
  log "model card updated with ${#finished[@]} runs"
fi
