#!/usr/bin/env bash
# novapulse optimize across N Slurm tasks: a job array, task k runs shard k of N into one
# PostgreSQL (DATABASE_URL). A task that fails can be resubmitted alone (sbatch --array=K ...):
# it resumes, skipping the trials already stored.
#
#   swift build -c release --traits Postgres     # the PostgreSQL client is a build trait
#   export DATABASE_URL=postgresql://novapulse:PASSWORD@dbhost:5432/novapulse
#   sbatch --array=1-8 deploy/slurm-optimize.sh experiments/keltner-sweep.yaml
#
#SBATCH --job-name=novapulse-optimize
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=06:00:00
#SBATCH --output=novapulse-optimize-%A_%a.log
set -euo pipefail
experiment="${1:?usage: sbatch --array=1-N deploy/slurm-optimize.sh EXPERIMENT.yaml}"
: "${DATABASE_URL:?set DATABASE_URL=postgresql://USER@HOST:PORT/DB so the shards share one store}"
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=1-N}"
shards="${SLURM_ARRAY_TASK_COUNT:-${SLURM_ARRAY_TASK_MAX}}"
cd "${SLURM_SUBMIT_DIR:-.}"
exec "${NOVAPULSE_BIN:-.build/release/novapulse}" optimize "$experiment" --shard "${SLURM_ARRAY_TASK_ID}/${shards}" --workers "${SLURM_CPUS_PER_TASK:-2}"
