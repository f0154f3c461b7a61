#!/usr/bin/env bash
# A one-node Slurm cluster on this (Debian) machine, for the Slurm tests and
# for trying `attn-phase slurm …` without a cluster. Run as root.
#
#   scripts/slurm-local.sh install   # apt-get: slurmctld slurmd slurm-client munge (daemons not auto-started)
#   scripts/slurm-local.sh start     # install if needed, configure, start munged, slurmctld, slurmd; wait until idle
#   scripts/slurm-local.sh stop      # stop the daemons (by their pid files)
#   scripts/slurm-local.sh status    # which daemons run; sinfo
#
# Every action is idempotent: `start` on a running cluster only checks it,
# `stop` on a stopped one does nothing. The configuration (rewritten by each
# `start` while the cluster is stopped):
#   * munged runs as user munge with Debian's key (/etc/munge/munge.key);
#   * /etc/slurm/slurm.conf: one node (this host, CPUs = nproc, RealMemory of
#     the machine) at 127.0.0.1 in partition `debug`; ProctrackType=
#     proctrack/linuxproc and TaskPlugin=task/none (no cgroups needed), no
#     accounting (JobCompType=jobcomp/filetxt → /var/log/slurm/jobcomp.log
#     keeps final job states without sacct), SlurmdParameters=config_overrides,
#     AuthInfo=cred_expire=10 (a requeued task starts again after ~10 s, not
#     121 s), MailProg=/bin/true, and scheduling passes every second.
# PID 1 may not reap orphans here: a daemon that exited can linger as a
# zombie, so "running" means: its pid exists and is not a zombie.
set -euo pipefail

PARTITION=debug
CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
LOG_DIR=/var/log/slurm
STATE_DIR=/var/lib/slurm
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_PID=/run/munge/munged.pid
TIMEOUT="${SLURM_LOCAL_TIMEOUT:-60}"

say() { printf 'slurm-local: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (installs packages and starts system daemons)"

# alive PIDFILE: the pid in the file is a live (non-zombie) process
alive() {
  local f="$1" pid state
  pid="$(cat "$f" 2>/dev/null | tr -dc '0-9' || true)"
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  # field 3 of /proc/pid/stat is the state; the command name (field 2) may hold spaces, so cut after ')'
  state="$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)"
  [ "$state" != Z ] && [ "$state" != X ]
}

installed() { command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sinfo >/dev/null && command -v munged >/dev/null; }

do_install() {
  if installed; then say "slurmctld, slurmd, slurm-client and munge are installed"; return 0; fi
  say "installing slurmctld slurmd slurm-client munge (apt-get)"
  # a policy-rc.d that forbids starting services, so the packages' postinst
  # does not start daemons with Debian's default configuration; only ours is
  # removed again (another installer may have put its own in place)
  local policy=/usr/sbin/policy-rc.d ours=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
  fi
  local rc=0
  {
    apt-get -o DPkg::Lock::Timeout=600 update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
        slurmctld slurmd slurm-client munge >/dev/null
  } || rc=$?
  if [ "$ours" = 1 ]; then rm -f "$policy"; fi
  [ "$rc" = 0 ] || die "apt-get failed (exit $rc)"
  installed || die "packages installed but slurmctld/slurmd/sinfo/munged not found"
}

# the node's memory in MB as slurmd sees it (falls back to /proc/meminfo)
real_memory() {
  local m
  m="$(slurmd -C 2>/dev/null | tr ' ' '\n' | sed -n 's/^RealMemory=//p' | head -1)"
  if [ -z "$m" ]; then m="$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"; fi
  echo "$m"
}

configure() {
  local node cpus mem
  node="$(hostname -s)"
  cpus="$(nproc)"
  mem="$(real_memory)"
  mkdir -p "$CONF_DIR" "$LOG_DIR" "$STATE_DIR/slurmctld" "$STATE_DIR/slurmd"
  cat >"$CONF.tmp" <<EOF
# written by attn-phase scripts/slurm-local.sh: a one-node cluster on this machine
ClusterName=attnphase
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=10
CredType=cred/munge
MailProg=/bin/true
StateSaveLocation=$STATE_DIR/slurmctld
SlurmdSpoolDir=$STATE_DIR/slurmd
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG_DIR/jobcomp.log
SchedulerType=sched/backfill
# schedule every second (defaults: 30 s backfill, 60 s main loop), so a requeued task starts once eligible
SchedulerParameters=bf_interval=1,sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
  say "wrote $CONF (node $node, $cpus CPUs, ${mem} MB)"
}

start_munge() {
  if alive "$MUNGE_PID"; then return 0; fi
  [ -s /etc/munge/munge.key ] || {
    say "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key; else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
  }
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
  chmod 0700 /etc/munge /var/log/munge /var/lib/munge
  chmod 0400 /etc/munge/munge.key
  chmod 0755 /run/munge
  rm -f "$MUNGE_PID" /run/munge/munge.socket.2.lock
  say "starting munged (user munge)"
  runuser -u munge -- /usr/sbin/munged --force
  wait_for "munged" alive "$MUNGE_PID"
}

# wait_for WHAT CMD ARGS…: retry CMD until it succeeds or TIMEOUT seconds pass
wait_for() {
  local what="$1" i; shift
  for ((i = 0; i < TIMEOUT * 4; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "$what did not come up within ${TIMEOUT} s (see $LOG_DIR/)"
}

node_idle() {
  local st
  st="$(sinfo -h -N -o '%T' 2>/dev/null | head -1)"
  [ "$st" = idle ] || [ "$st" = mixed ] || [ "$st" = allocated ] || [ "$st" = completing ]
}

do_start() {
  installed || do_install
  local ctld=0 slurmd=0
  alive "$CTLD_PID" && ctld=1
  alive "$SLURMD_PID" && slurmd=1
  # configure only while both slurm daemons are down (never change a running cluster's file)
  if [ "$ctld" = 0 ] && [ "$slurmd" = 0 ]; then configure; fi
  start_munge
  if [ "$ctld" = 0 ]; then
    say "starting slurmctld -c"
    rm -f "$CTLD_PID"
    slurmctld -c
    wait_for "slurmctld" scontrol ping
  fi
  if [ "$slurmd" = 0 ]; then
    say "starting slurmd"
    rm -f "$SLURMD_PID"
    slurmd
  fi
  # a node that was down (e.g. slurmd restarted) is brought back
  local i
  for ((i = 0; i < TIMEOUT * 4; i++)); do
    node_idle && break
    if ((i % 20 == 19)) && sinfo -h -N -o '%T' 2>/dev/null | grep -Eq 'down|drain'; then
      scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
    fi
    sleep 0.25
  done
  node_idle || { sinfo -N -l >&2 || true; die "the node is not idle after ${TIMEOUT} s (see $LOG_DIR/slurmd.log, $LOG_DIR/slurmctld.log)"; }
  say "up: $(sinfo -h -o '%P %a %D %T %c CPUs')"
}

# stop_daemon NAME PIDFILE: SIGTERM, then SIGKILL after TIMEOUT/2 s
stop_daemon() {
  local name="$1" f="$2" pid i
  pid="$(cat "$f" 2>/dev/null | tr -dc '0-9' || true)"
  if ! alive "$f"; then rm -f "$f"; return 0; fi
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < TIMEOUT * 2; i++)); do
    alive "$f" || break
    sleep 0.25
  done
  if alive "$f"; then say "$name did not stop: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  rm -f "$f"
}

do_stop() {
  stop_daemon slurmd "$SLURMD_PID"
  stop_daemon slurmctld "$CTLD_PID"
  stop_daemon munged "$MUNGE_PID"
}

do_status() {
  local rc=0 d f
  for d in munged:$MUNGE_PID slurmctld:$CTLD_PID slurmd:$SLURMD_PID; do
    f="${d#*:}"
    if alive "$f"; then echo "${d%%:*}: running (pid $(cat "$f" 2>/dev/null | tr -dc '0-9'))"; else echo "${d%%:*}: stopped"; rc=3; fi
  done
  if [ "$rc" = 0 ]; then sinfo; fi
  return "$rc"
}

case "${1:-}" in
  install) do_install ;;
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
