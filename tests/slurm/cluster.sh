#!/bin/bash
# tests/slurm/cluster.sh -- a single-node Slurm cluster on this machine, for
# trying the sbatch examples on a real Slurm (make check-slurm).
#
#   cluster.sh start DIR   write a munge key and slurm.conf under DIR (a new
#                          or empty directory), start munged, slurmctld and
#                          slurmd there, wait until sinfo shows the node
#                          idle; print the SLURM_CONF line to export
#   cluster.sh stop DIR    stop the three daemons started in DIR, by the
#                          process ids kept in DIR/*.pid (never by name)
#
# Needs Debian's slurm-wlm and munge (apt-get install slurm-wlm munge) and
# root: slurmd starts jobs as their submitting user, munged and the daemons
# run as root here (SlurmUser=root). Nothing outside DIR is written: the
# key, the sockets, the state and spool directories and the logs all live
# there, and the daemons listen on two free local ports picked at start, so
# a cluster the machine may already run is not disturbed.
#
# The node is this host as `slurmd -C` sees it (name, CPUs, sockets, cores,
# memory). Processes are tracked by walking /proc (proctrack/linuxproc: no
# cgroups needed, as in containers); tasks are bound to CPUs by
# task/affinity, so srun's --cpu-bind and --cpus-per-task act for real;
# cores and memory are consumable (select/cons_tres, CR_Core_Memory), and
# jobacct_gather/linux polls the tasks' memory and kills a step that grows
# past its --mem/--mem-per-cpu, as clusters configured that way do.
set -u

die() { echo "cluster.sh: $*" >&2; exit 1; }

# free_ports: the first of two consecutive free TCP ports above a start
# derived from our pid (ss lists the ones listening).
free_ports() {
  local p=$((20000 + ($$ * 7) % 30000)) busy
  busy=" $(ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); printf "%s ", a[n] }')"
  for _ in $(seq 1 200); do
    case $busy in *" $p "*|*" $((p + 1)) "*) p=$((p + 2)) ;; *) echo $p; return 0 ;; esac
  done
  return 1
}

# wait_for SECONDS CMD...: retry CMD every 0.2 s until it succeeds.
wait_for() {
  local t=$(($1 * 5)); shift
  for _ in $(seq 1 "$t"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

node_idle() { [ "$(SLURM_CONF=$D/slurm.conf sinfo -h -N -o '%t' 2>/dev/null)" = idle ]; }

start() {
  for p in munged slurmctld slurmd sinfo sbatch; do
    command -v "$p" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
    command -v "$p" >/dev/null || die "$p not found (Debian: apt-get install slurm-wlm munge)"
  done
  [ "$(id -u)" -eq 0 ] || die "must run as root (slurmd starts jobs as their user)"
  mkdir -p "$D" && [ -z "$(ls -A "$D")" ] || die "$D must be a new or empty directory"
  D=$(cd "$D" && pwd)
  chmod 755 "$D"   # munged wants its socket directory reachable by all
  mkdir -p "$D/munge" "$D/state" "$D/spool" "$D/log" "$D/tmp" && chmod 755 "$D/munge" && chmod 1777 "$D/tmp"

  # munge: a fresh key (munged refuses a key others can read)
  dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none && chmod 400 "$D/munge/munge.key"
  munged -F --force --key-file="$D/munge/munge.key" --socket="$D/munge/socket" \
    --pid-file="$D/munge/munged.pid" --seed-file="$D/munge/seed" --log-file="$D/log/munged.log" \
    >>"$D/log/munged.log" 2>&1 &
  echo $! >"$D/munged.pid"
  wait_for 10 munge -S "$D/munge/socket" -n || { tail -5 "$D/log/munged.log" >&2; die "munged did not start"; }

  local node host ports
  node=$(slurmd -C 2>/dev/null | head -n 1)
  host=${node#NodeName=}; host=${host%% *}
  [ -n "$host" ] && echo "$node" | grep -q 'CPUs=' || die "slurmd -C did not describe this node: $node"
  ports=$(free_ports) || die "no two free ports"
  cat >"$D/slurm.conf" <<EOF
# single-node test cluster written by tests/slurm/cluster.sh
ClusterName=qtrtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ports
SlurmdPort=$((ports + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/socket
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool/%n
SlurmctldPidFile=$D/slurmctld.daemon.pid
SlurmdPidFile=$D/slurmd.daemon.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=2
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
MailProg=/bin/true
TmpFS=$D/tmp
MinJobAge=600
KillWait=10
$(echo "$node" | sed 's/ UpTime=.*//') NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  # PMIx's per-step directories (spmix_appdir_<uid>_<job>.<step>) in this
  # cluster's own directory, not /tmp: job ids start at 1 in every test
  # cluster, and a directory left in /tmp by an earlier cluster's signalled
  # step makes the same step of a later one fail to launch.
  echo "PMIxCliTmpDirBase=$D/tmp" >"$D/mpi.conf"
  export SLURM_CONF=$D/slurm.conf

  slurmctld -D -i >>"$D/log/slurmctld.out" 2>&1 &
  echo $! >"$D/slurmctld.pid"
  slurmd -D -N "$host" >>"$D/log/slurmd.out" 2>&1 &
  echo $! >"$D/slurmd.pid"
  if ! wait_for 60 node_idle; then
    tail -n 5 "$D"/log/slurmctld.log "$D"/log/slurmd.log "$D"/log/*.out >&2
    stop
    die "the node did not become idle within 60 s"
  fi
  echo "export SLURM_CONF=$D/slurm.conf"
}

# stop: TERM each daemon by its pid, then KILL what is left after 10 s.
stop() {
  local name pid pids=
  for name in slurmd slurmctld munged; do
    [ -f "$D/$name.pid" ] || continue
    pid=$(cat "$D/$name.pid")
    kill -TERM "$pid" 2>/dev/null && pids="$pids $pid"
    rm -f "$D/$name.pid"
  done
  for _ in $(seq 1 50); do
    local left=
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && left="$left $pid"; done
    pids=$left
    [ -z "$pids" ] && return 0
    sleep 0.2
  done
  kill -KILL $pids 2>/dev/null
  return 0
}

[ $# -eq 2 ] || die "usage: cluster.sh start|stop DIR"
D=$2
case $1 in
  start) start ;;
  stop) [ -d "$D" ] || die "no such directory: $D"; D=$(cd "$D" && pwd); stop ;;
  *) die "usage: cluster.sh start|stop DIR" ;;
esac
