#!/usr/bin/env bash
# Issue 31's scale table: the default full stack and sma_cross at 100k, 1M and 10M tiled bars,
# NovaPulse binaries side by side (the previous commit's and this one's), and vectorbt's
# Rust-engine SMA cross on the same CSV, in one run. Whole processes: /usr/bin/time.
#
#   experiments/scale/run.sh OLD_BINARY NEW_BINARY [SIZES]     (tiles from tile.py in /tmp)
set -euo pipefail
old=$1; new=$2; sizes=${3:-"100000 1000000 10000000"}
vbt=${VBT_PYTHON:-/tmp/vbt/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
printf "| bars | what | binary | wall s | user s | peak MB | store growth MB | trades |\n|---|---|---|---|---|---|---|---|\n"
for n in $sizes; do
  csv=/tmp/tile-$n.csv
  for b in old new; do
    bin=$old; [ $b = new ] && bin=$new
    dir=/tmp/scale-$n-$b; rm -rf "$dir"; mkdir -p "$dir"
    export NOVAPULSE_DATA_DIR=$dir/data NOVAPULSE_REPORTS_DIR=$dir/reports
    /usr/bin/time -f "%e %U %M" -o "$dir/t" "$bin" data import "$csv" --pair BTC/USDT --exchange kraken > "$dir/import.txt"
    read -r w u m < "$dir/t"
    speed=$(grep -o '[0-9.]* MB/s decompressed\|[0-9.]* MB/s' "$dir/import.txt" | head -1)
    printf "| %s | import (%s) | %s | %s | %s | %d | | |\n" "$n" "$speed" "$b" "$w" "$u" $((m / 1024))
    for what in full sma; do
      before=$(du -sm "$dir/data/novapulse.db" 2>/dev/null | cut -f1 || echo 0)
      args=(backtest --pair BTC/USDT --exchange kraken --json)
      [ $what = sma ] && args+=(--strategy sma_cross --param fast=10 --param slow=30 --sizing all-in)
      if ! /usr/bin/time -f "%e %U %M" -o "$dir/t" "$bin" "${args[@]}" > "$dir/$what.json" 2> "$dir/$what.err"; then
        printf "| %s | %s | %s | failed: %s | | | | |\n" "$n" "$what" "$b" "$(grep -m1 -o 'Fatal error: .\{0,120\}' "$dir/$what.err" || tail -1 "$dir/$what.err")"
        continue
      fi
      read -r w u m < "$dir/t"
      after=$(du -sm "$dir/data/novapulse.db" | cut -f1)
      trades=$(python3 -c "import json,sys; d=json.load(open('$dir/$what.json')); print(d.get('trades','?'))" 2>/dev/null || echo '?')
      printf "| %s | %s | %s | %s | %s | %d | %s | %s |\n" "$n" "$what" "$b" "$w" "$u" $((m / 1024)) $((after - before)) "$trades"
    done
  done
  /usr/bin/time -f "%e %U %M" -o /tmp/scale-vbt-t "$vbt" "$here/vectorbt_sma_cross.py" "$csv" rust > /tmp/scale-vbt.txt
  read -r w u m < /tmp/scale-vbt-t
  printf "| %s | vectorbt rust sma cross (%s) | | %s | %s | %d | | |\n" "$n" "$(cat /tmp/scale-vbt.txt)" "$w" "$u" $((m / 1024))
done
