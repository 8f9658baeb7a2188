#!/usr/bin/env bash
# The Kubernetes manifest against the Kubernetes API schema, offline: kubernetes-validate
# (PyPI; it bundles the schemas, so no cluster is needed, which `kubectl --dry-run=client`
# would need for its API discovery). Strict: an unknown or misspelt field fails. The manifest's
# meaning (every pod a distinct shard, SHARDS equal to completions) is DeployFilesTests.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${NOVAPULSE_VALIDATE_VENV:-/tmp/novapulse-kubernetes-validate}
if [[ ! -x "$venv/bin/kubernetes-validate" ]]; then
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q kubernetes-validate; } >/tmp/novapulse-kv-install.log 2>&1; then
    echo "check-deploy: could not install kubernetes-validate from PyPI (log: /tmp/novapulse-kv-install.log); the manifest's schema was not checked" >&2
    exit 0
  fi
fi
"$venv/bin/kubernetes-validate" --strict deploy/k8s-optimize-job.yaml
bash -n deploy/slurm-optimize.sh scripts/slurm-local.sh experiments/slurm/run.sh
