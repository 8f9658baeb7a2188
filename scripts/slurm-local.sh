#!/usr/bin/env bash
# A single-node Slurm on this machine, for trying deploy/slurm-optimize.sh for real:
# munged, slurmctld and slurmd from Debian's slurm-wlm, every file (config, key, sockets,
# state, logs) under one private directory, nothing in /etc touched.
#
#   scripts/slurm-local.sh start     # installs slurm-wlm and munge if missing, starts the daemons
#   export SLURM_CONF=/tmp/novapulse-slurm/slurm.conf   # what `start` prints; sbatch needs it
#   scripts/slurm-local.sh stop      # stops the daemons (the directory stays for its logs)
#
# NOVAPULSE_SLURM_DIR moves the directory. The node has this machine's CPUs; jobs run as the
# user who submits them. Made for a throwaway machine or container, not a shared cluster.
set -euo pipefail
dir="${NOVAPULSE_SLURM_DIR:-/tmp/novapulse-slurm}"
action="${1:-start}"

daemons_stop() {
  for name in slurmd slurmctld munged; do
    if [[ -f "$dir/$name.pid" ]]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$dir/$name.pid"
    fi
  done
}

case "$action" in
  stop) daemons_stop; echo "slurm-local: stopped ($dir)"; exit 0 ;;
  start) ;;
  *) echo "usage: scripts/slurm-local.sh start|stop" >&2; exit 2 ;;
esac

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "slurm-local: installing slurm-wlm and munge (Debian packages)"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -q slurm-wlm munge >/dev/null
fi

daemons_stop
mkdir -p "$dir"/{state,spool,log}
chmod 700 "$dir"
host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
user=$(id -un)

# munge: its own key and socket, so a system munged (if any) is left alone.
[[ -f "$dir/munge.key" ]] || { dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none; }
chmod 400 "$dir/munge.key"
munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munged.seed"

cat > "$dir/slurm.conf" <<EOF
# written by scripts/slurm-local.sh: one node, this machine
ClusterName=novapulse-local
SlurmctldHost=$host
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MaxArraySize=1001
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

# Ready when the node answers idle (bounded: 30 s).
for _ in $(seq 60); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
  [[ "$state" == idle* || "$state" == mixed* || "$state" == allocated* ]] && break
  sleep 0.5
done
if [[ "$state" != idle* && "$state" != mixed* && "$state" != allocated* ]]; then
  echo "slurm-local: the node did not come up (state '${state:-none}'); logs in $dir/log" >&2
  exit 1
fi
echo "slurm-local: node $host ($cpus CPUs) is $state"
echo "export SLURM_CONF=$SLURM_CONF"
