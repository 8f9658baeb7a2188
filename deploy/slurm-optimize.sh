#!/usr/bin/env bash
# novapulse optimize across N Slurm tasks: a job array, task k runs shard k of N into one
# PostgreSQL (DATABASE_URL). A task that fails or is killed is resubmitted alone with the same
# N (sbatch --array=K deploy/slurm-optimize.sh EXPERIMENT.yaml N): it resumes, skipping the
# trials already stored and taking over the dead task's claims.
#
#   swift build -c release --traits Postgres     # the PostgreSQL client is a build trait
#   export DATABASE_URL=postgresql://novapulse:PASSWORD@dbhost:5432/novapulse
#   sbatch --array=1-8 deploy/slurm-optimize.sh experiments/keltner-sweep.yaml 8
#
# N is an argument, not read from the array: a resubmitted task (--array=3) is an array of one,
# and would otherwise think it is shard 3 of 1. experiments/slurm/run.sh runs this for real on
# a single-node Slurm started by scripts/slurm-local.sh.
#SBATCH --job-name=novapulse-optimize
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=06:00:00
#SBATCH --output=novapulse-optimize-%A_%a.log
set -euo pipefail
usage="usage: sbatch --array=1-N deploy/slurm-optimize.sh EXPERIMENT.yaml N"
experiment="${1:?$usage}"
shards="${2:?$usage}"
: "${DATABASE_URL:?set DATABASE_URL=postgresql://USER@HOST:PORT/DB so the shards share one store}"
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=1-N}"
if ! [[ "$shards" =~ ^[1-9][0-9]*$ ]] || (( SLURM_ARRAY_TASK_ID < 1 || SLURM_ARRAY_TASK_ID > shards )); then
  echo "slurm-optimize: array task ${SLURM_ARRAY_TASK_ID} is not a shard of N=${shards}: ${usage}" >&2
  exit 2
fi
cd "${SLURM_SUBMIT_DIR:-.}"
exec "${NOVAPULSE_BIN:-.build/release/novapulse}" optimize "$experiment" --shard "${SLURM_ARRAY_TASK_ID}/${shards}" --workers "${SLURM_CPUS_PER_TASK:-2}"
