#!/usr/bin/env bash
# Issue 32: deploy/slurm-optimize.sh run for real. A single-node Slurm (scripts/slurm-local.sh)
# and a throwaway PostgreSQL on loopback; experiments/slurm/sweep.yaml split into 3 array
# tasks; task 2 killed with SIGKILL once it has stored a trial, then resubmitted alone; the
# union compared trial for trial with one unsharded process writing to a second database.
#
#   swift build -c release --traits Postgres --product novapulse
#   experiments/slurm/run.sh [BINARY]        # BINARY defaults to .build/release/novapulse
#
# NOVAPULSE_IMPORT_BIN imports the data with another binary (a debug build imports the
# 2.5-year file in minutes, a release build in seconds; the catalog is the same).
#
# Every wait is bounded; daemons and the database are stopped on exit. Exit 0 when the union
# equals the single run, 1 otherwise.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${1:-$root/.build/release/novapulse}")
work=${NOVAPULSE_SLURM_RUN_DIR:-/tmp/novapulse-slurm-run}
dataset=${NOVAPULSE_SWEEP_DATA:-$root/../shared/datasets/binance-btcusdt-1m-2022-01-01_2024-06-25.csv.zst}
exp=$root/experiments/slurm/sweep.yaml
shards=3
say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { say "FAIL: $*"; exit 1; }

rm -rf "$work"; mkdir -p "$work"/{data,reports,logs}
export NOVAPULSE_DATA_DIR=$work/data NOVAPULSE_REPORTS_DIR=$work/reports

# --- PostgreSQL on loopback (initdb refuses root: run it as the postgres user) -------------
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$pgbin/initdb" ]] || fail "PostgreSQL is not installed (scripts/bootstrap.sh installs it)"
as_pg=(); [[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
mkdir -p "$work/pg"; [[ $(id -u) -eq 0 ]] && chown postgres "$work/pg"
port=$(( 21000 + RANDOM % 18000 ))
cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg/db" -m immediate stop >/dev/null 2>&1 || true
  "$root/scripts/slurm-local.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
"${as_pg[@]}" "$pgbin/initdb" -D "$work/pg/db" --auth=trust -U novapulse --no-sync >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg/db" -l "$work/pg/server.log" -w -t 60 \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
psql() { "$pgbin/psql" -h 127.0.0.1 -p "$port" -U novapulse -At "$@"; }
psql -d postgres -q -c "CREATE DATABASE shards" -c "CREATE DATABASE whole"
say "PostgreSQL on 127.0.0.1:$port (databases shards, whole)"

# --- Slurm ----------------------------------------------------------------------------------
"$root/scripts/slurm-local.sh" start | sed 's/^/    /'
export SLURM_CONF=${NOVAPULSE_SLURM_DIR:-/tmp/novapulse-slurm}/slurm.conf

# --- data -----------------------------------------------------------------------------------
say "importing $(basename "$dataset")"
"${NOVAPULSE_IMPORT_BIN:-$bin}" data import "$dataset" --pair BTC/USDT --exchange kraken > "$work/logs/import.txt"

# --- the sweep on Slurm -----------------------------------------------------------------------
export DATABASE_URL="postgresql://novapulse@127.0.0.1:$port/shards" NOVAPULSE_BIN=$bin
# One CPU per task so two tasks run at once on this 2-CPU node (the script asks 2 by default).
submit() { sbatch --parsable --chdir="$root" --cpus-per-task=1 --mem=3G \
             --output="$work/logs/shard-%A_%a.log" "$@" "$root/deploy/slurm-optimize.sh" "$exp" "$shards"; }
queued() { squeue -h -j "$1" 2>/dev/null | wc -l; }
wait_gone() { # job, seconds
  for _ in $(seq $(( $2 * 2 ))); do [[ $(queued "$1") -eq 0 ]] && return 0; sleep 0.5; done
  fail "job $1 still queued after $2 s"
}
t0=$(date +%s)
job=$(submit --array=1-$shards)
say "submitted job array $job (tasks 1-$shards)"
# Task 2 runs trials k with k mod 3 = 1. Kill it (SIGKILL, as an OOM killer or a lost node would)
# as soon as it has stored one: it is then mid-way through the next.
for _ in $(seq 1200); do
  n=$(psql -d shards -c "SELECT COUNT(*) FROM experiment_trials WHERE trial % $shards = 1" 2>/dev/null || echo 0)
  [[ "$n" -ge 1 ]] && break
  [[ $(queued "${job}_2") -eq 0 ]] && fail "task 2 ended before it could be killed (log: $work/logs)"
  sleep 0.2
done
[[ "$n" -ge 1 ]] || fail "task 2 stored no trial in 240 s"
scancel --full --signal=KILL "${job}_2"
say "killed task ${job}_2 with SIGKILL after it stored $n trial(s)"
wait_gone "$job" 900
stored=$(psql -d shards -c "SELECT COUNT(*) FROM experiment_trials")
claims=$(psql -d shards -c "SELECT COUNT(*) FROM experiment_claims" 2>/dev/null || echo "?")
say "array done without task 2: $stored trials stored, $claims claim(s) left by the killed task"
retry=$(submit --array=2)
say "resubmitted task 2 alone as job $retry"
wait_gone "$retry" 900
t1=$(date +%s)

# --- the same experiment in one process ------------------------------------------------------
DATABASE_URL="postgresql://novapulse@127.0.0.1:$port/whole" "$bin" optimize "$exp" --workers 2 --json > "$work/logs/whole.json"
t2=$(date +%s)

# --- compare ---------------------------------------------------------------------------------
sql="SELECT trial, params, objectives, feasible FROM experiment_trials ORDER BY trial"
psql -d shards -c "$sql" > "$work/shards.txt"; psql -d whole -c "$sql" > "$work/whole.txt"
total=$(wc -l < "$work/whole.txt")
runs=$(psql -d shards -c "SELECT status || ' ' || COUNT(*) FROM backtest_runs WHERE kind = 'trial' GROUP BY status ORDER BY status" | paste -sd, -)
say "Slurm sweep: $(wc -l < "$work/shards.txt") trials in $((t1 - t0)) s (kill and resubmit included); one process: $total trials in $((t2 - t1)) s"
say "trial runs in the shared store by status: $runs"
grep -h "trials run" "$work"/logs/shard-*.log 2>/dev/null | sed 's/^/    /' || true
if diff -q "$work/shards.txt" "$work/whole.txt" >/dev/null && [[ "$total" -gt 0 ]]; then
  say "PASS: the $total trials of the 3 Slurm tasks (one killed and resubmitted) equal the single run's, trial for trial"
else
  diff "$work/shards.txt" "$work/whole.txt" | head -20
  fail "the Slurm union differs from the single run"
fi
