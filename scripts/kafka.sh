#!/usr/bin/env bash
# Local, repo-owned Apache Kafka 3.9.1 broker (single-node KRaft, no Docker).
#
#   scripts/kafka.sh fetch    download the broker jars from Maven Central (once)
#   scripts/kafka.sh start    fetch if needed, format storage once, start in background, wait until ready
#   scripts/kafka.sh stop     SIGTERM the broker by its pid file (SIGKILL after 30 s)
#   scripts/kafka.sh status   running / not running (exit 0 / 3)
#   scripts/kafka.sh reset    stop and delete the data dir (next start formats a fresh cluster)
#   scripts/kafka.sh cluster start|stop|status|reset
#                             a three-broker KRaft cluster (each node broker+controller, small heaps)
#                             with replication factor 3 and min.insync.replicas=2 by default;
#                             `cluster start` also brings back a node that was stopped or killed
#
# Env: KAFKA_DATA_DIR (default .local/kafka/data), KAFKA_HEAP (default "-Xms256m -Xmx512m"),
#      KAFKA_PORT / KAFKA_CONTROLLER_PORT (default 9092 / 9093) with KAFKA_INSTANCE_DIR (default
#      .local/kafka): a second, private broker, as the failure tests use (jars stay shared),
#      KAFKA_START_TIMEOUT (default 60 s), JAVA_HOME, MVN (default mvn),
#      KAFKA_EXTRA_PROPERTIES: a properties file whose entries replace or add to the generated
#      server.properties (e.g. a SASL_SSL listener), KAFKA_ADD_SCRAM: SCRAM credentials created
#      when the storage is formatted, one per line (`SCRAM-SHA-512=[name=app,password=secret]`).
# Cluster env: KAFKA_CLUSTER_DIR (default .local/kafka-cluster; node n in node-<n>/),
#      KAFKA_CLUSTER_PORTS / KAFKA_CLUSTER_CONTROLLER_PORTS (default "29092 29093 29094" /
#      "29192 29193 29194"), KAFKA_HEAP (default "-Xms128m -Xmx256m" per node).
#      Per node it runs this script with KAFKA_NODE_ID, KAFKA_QUORUM_VOTERS and KAFKA_EXTRA_PROPS.
# Files: jars in .local/kafka/libs, logs in .local/kafka/logs (server.log, server.out),
#        pid in .local/kafka/kafka.pid, cluster id in .local/kafka/cluster.id.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_VERSION="3.9.1"
CONF_SRC="$ROOT/docker/kafka-local"
LIBS="$ROOT/.local/kafka/libs"
BASE="${KAFKA_INSTANCE_DIR:-$ROOT/.local/kafka}"
LOGS="$BASE/logs"
PIDFILE="$BASE/kafka.pid"
CLUSTER_ID_FILE="$BASE/cluster.id"
PROPS="$BASE/server.properties"
DATA_DIR="${KAFKA_DATA_DIR:-$BASE/data}"
case "$DATA_DIR" in /*) ;; *) DATA_DIR="$ROOT/$DATA_DIR" ;; esac
KAFKA_PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HOST=127.0.0.1
HEAP="${KAFKA_HEAP:-"-Xms256m -Xmx512m"}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
MVN="${MVN:-mvn}"

log() { echo "kafka: $*"; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Who listens on a port (best effort, for error messages).
port_owner() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -1 || true
}

# pid from the pid file if that process is alive AND is our broker (guards against pid reuse).
our_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PIDFILE")"
  [[ -n "$pid" ]] || return 1
  alive "$pid" || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmd" == *"kafka.Kafka $PROPS"* ]] || return 1
  echo "$pid"
}

# Alive and not a zombie (our own background child stays a zombie until this script exits).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]
}

rss_mb() { ps -o rss= -p "$1" 2>/dev/null | awk '{printf "%d", $1/1024}'; }
uptime_s() { ps -o etimes= -p "$1" 2>/dev/null | tr -d ' '; }

pom_hash() { sha256sum "$CONF_SRC/pom.xml" | cut -d' ' -f1; }

libs_complete() {
  [[ -f "$LIBS/.complete" && -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] || return 1
  [[ "$(cat "$LIBS/.complete")" == "$(pom_hash)" ]]
}

cmd_fetch() {
  if libs_complete; then
    log "jars present ($(find "$LIBS" -name '*.jar' | wc -l) in ${LIBS#"$ROOT"/})"
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "Maven ('$MVN') not found; install maven or set MVN=/path/to/mvn"
  mkdir -p "$BASE" "$LOGS" "$(dirname "$LIBS")"
  local tmp="$LIBS.tmp" mvnlog="$LOGS/fetch.log" t0 n
  rm -rf "$tmp"
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central (first run only)…"
  t0=$(date +%s)
  # One dot per downloaded artifact; full Maven output in .local/kafka/logs/fetch.log.
  if ! "$MVN" -B -f "$CONF_SRC/pom.xml" \
        dependency:copy-dependencies -DoutputDirectory="$tmp" 2>&1 \
      | tee "$mvnlog" \
      | while IFS= read -r line; do
          case "$line" in *"Downloaded from"*.jar" "*) printf '.' ;; esac
        done; then
    echo
    tail -n 30 "$mvnlog" >&2
    die "Maven failed (full log: ${mvnlog#"$ROOT"/})"
  fi
  echo
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after Maven run (see ${mvnlog#"$ROOT"/})"
  pom_hash >"$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  n=$(find "$LIBS" -name '*.jar' | wc -l)
  log "fetched $n jars ($(du -sm "$LIBS" | cut -f1) MB) in $(( $(date +%s) - t0 )) s"
}

java_log_opts() { # $1 = log file name
  echo "-Dlog4j.configuration=file:$CONF_SRC/log4j.properties -Dkafka.logs.dir=$LOGS -Dkafka.log.file=$1"
}

write_props() {
  mkdir -p "$DATA_DIR"
  local extra="${KAFKA_EXTRA_PROPERTIES:-}" keys=""
  if [[ -n "$extra" ]]; then
    [[ -f "$extra" ]] || die "KAFKA_EXTRA_PROPERTIES: $extra not found"
    keys="$(grep -Eo '^[^#=[:space:]]+=' "$extra" | sed 's/=$//' | tr '\n' ' ' || true)"
  fi
  {
    echo "# GENERATED by scripts/kafka.sh from docker/kafka-local/server.properties - edit that file instead."
    grep -v '^log\.dirs=' "$CONF_SRC/server.properties" | sed -e "s/:9092/:$KAFKA_PORT/g" -e "s/:9093/:$CONTROLLER_PORT/g" \
      | awk -F= -v keys="$keys" 'BEGIN { n = split(keys, k, " "); for (i = 1; i <= n; i++) drop[k[i]] = 1 } !($1 in drop)'
    echo "log.dirs=$DATA_DIR"
    if [[ -n "$extra" ]]; then
      echo "# from KAFKA_EXTRA_PROPERTIES ($extra)"
      cat "$extra"
    fi
    # A cluster node's own settings (later keys win in a properties file).
    [[ -n "${KAFKA_NODE_ID:-}" ]] && echo "node.id=$KAFKA_NODE_ID"
    [[ -n "${KAFKA_QUORUM_VOTERS:-}" ]] && echo "controller.quorum.voters=$KAFKA_QUORUM_VOTERS"
    [[ -n "${KAFKA_EXTRA_PROPS:-}" ]] && printf '%s\n' "$KAFKA_EXTRA_PROPS"
  } >"$PROPS.tmp"
  mv "$PROPS.tmp" "$PROPS"
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0
  fi
  local cid
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cid="$(cat "$CLUSTER_ID_FILE")"
  else
    # shellcheck disable=SC2046
    cid="$("$JAVA" $(java_log_opts tools.log) -cp "$LIBS/*" kafka.tools.StorageTool random-uuid)"
    echo "$cid" >"$CLUSTER_ID_FILE"
  fi
  log "formatting storage in ${DATA_DIR#"$ROOT"/} (cluster id $cid)"
  # Static quorum (controller.quorum.voters) => plain `format -t -c` is enough on 3.9.
  # (--standalone/--initial-controllers are for dynamic quorums, KIP-853; not used here.)
  local scram=() credential
  while IFS= read -r credential; do
    if [[ -n "$credential" ]]; then scram+=(--add-scram "$credential"); fi
  done <<<"${KAFKA_ADD_SCRAM:-}"
  # shellcheck disable=SC2046
  "$JAVA" $(java_log_opts tools.log) -cp "$LIBS/*" kafka.tools.StorageTool \
    format -t "$cid" -c "$PROPS" "${scram[@]}" >>"$LOGS/format.out" 2>&1 \
    || { tail -n 20 "$LOGS/format.out" >&2; die "storage format failed (see ${LOGS#"$ROOT"/}/format.out)"; }
}

# Byte count of server.log before we start, so we only look for the start banner of *this* run.
log_offset() { stat -c %s "$LOGS/server.log" 2>/dev/null || echo 0; }

started_since() { # $1 = offset
  local f="$LOGS/server.log" size from
  size=$(stat -c %s "$f" 2>/dev/null || echo 0)
  from=$(( $1 + 1 ))
  (( size >= $1 )) || from=1 # log rolled over meanwhile
  # No `grep -q` in a pipe: with pipefail, the writer's SIGPIPE would turn a match into a failure.
  if tail -c "+$from" "$f" 2>/dev/null | grep -F 'Kafka Server started' >/dev/null; then
    return 0
  fi
  # server.out (stdout/stderr) only matters if log4j is misconfigured; look at this run only.
  [[ -f "$LOGS/server.out" ]] || return 1
  awk '/^==== /{s=0} /Kafka Server started/{s=1} END{exit !s}' "$LOGS/server.out"
}

wait_ready() { # $1 = pid, $2 = server.log offset, $3 = t0 (ms)
  local pid=$1 off=$2 t0=$3 deadline=$(( $(date +%s) + START_TIMEOUT ))
  printf 'kafka: waiting for broker on %s:%s ' "$HOST" "$KAFKA_PORT"
  while :; do
    if ! alive "$pid"; then
      echo
      echo "---- tail ${LOGS#"$ROOT"/}/server.out" >&2; tail -n 20 "$LOGS/server.out" >&2 || true
      echo "---- tail ${LOGS#"$ROOT"/}/server.log (this run)" >&2
      tail -c "+$(( off + 1 ))" "$LOGS/server.log" 2>/dev/null | tail -n 30 >&2 || true
      rm -f "$PIDFILE"
      die "broker process $pid exited during startup"
    fi
    if port_open "$KAFKA_PORT" && started_since "$off"; then
      break
    fi
    if (( $(date +%s) >= deadline )); then
      echo
      tail -n 30 "$LOGS/server.log" >&2 || true
      die "broker not ready after ${START_TIMEOUT}s (pid $pid still running; see ${LOGS#"$ROOT"/}/server.log)"
    fi
    printf '.'
    sleep 0.5
  done
  echo
  local ms=$(( $(date +%s%3N) - t0 ))
  log "started in $(( ms / 1000 )).$(( ms % 1000 / 100 )) s (pid $pid, RSS $(rss_mb "$pid") MB) - bootstrap $HOST:$KAFKA_PORT"
}

cmd_start() {
  local pid
  if pid=$(our_pid); then
    if port_open "$KAFKA_PORT"; then
      log "already running (pid $pid)"
      return 0
    fi
    log "pid $pid alive but port $KAFKA_PORT not answering yet - waiting"
    wait_ready "$pid" 0 "$(date +%s%3N)"
    return 0
  fi
  rm -f "$PIDFILE"
  # Another checkout's broker (a second clone, CI on this machine) already serves the port:
  # share it rather than fail; `stop` never touches a broker this checkout did not start.
  local other
  other=$(port_owner "$KAFKA_PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)
  if [[ -n "$other" ]] && ps -o args= -p "$other" 2>/dev/null | grep -q 'kafka\.Kafka'; then
    log "a Kafka broker started elsewhere (pid $other) already serves $HOST:$KAFKA_PORT - using it"
    return 0
  fi
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    if port_open "$p"; then
      die "port $HOST:$p is already in use by a process that is not this repo's broker $(port_owner "$p") - stop it first"
    fi
  done
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (need Java 11+; set JAVA_HOME)"

  cmd_fetch
  mkdir -p "$LOGS"
  write_props
  format_storage

  local off t0
  off=$(log_offset)
  t0=$(date +%s%3N)
  log "starting broker (heap: $HEAP, data: ${DATA_DIR#"$ROOT"/}, logs: ${LOGS#"$ROOT"/}/server.log)"
  echo "==== $(date -Is) start" >>"$LOGS/server.out"
  # No job control in scripts => the background child is not a group leader, so setsid
  # execs in place and $! is the java pid. Detached from the terminal (new session).
  # shellcheck disable=SC2086,SC2046
  setsid nohup "$JAVA" $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -Djava.awt.headless=true $(java_log_opts server.log) \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" \
    >>"$LOGS/server.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"
  wait_ready "$pid" "$off" "$t0"
}

cmd_stop() {
  local pid
  if ! pid=$(our_pid); then
    if [[ -f "$PIDFILE" ]]; then
      log "not running (removing stale pid file)"
      rm -f "$PIDFILE"
    else
      log "not running"
    fi
    return 0
  fi
  printf 'kafka: stopping pid %s ' "$pid"
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for (( i = 0; i < 60; i++ )); do
    alive "$pid" || break
    printf '.'
    sleep 0.5
  done
  echo
  if alive "$pid"; then
    log "still alive after 30 s - sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for (( i = 0; i < 20; i++ )); do alive "$pid" || break; sleep 0.25; done
  fi
  rm -f "$PIDFILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid=$(our_pid); then
    local state="running"
    port_open "$KAFKA_PORT" || state="running (port $KAFKA_PORT not answering yet)"
    log "$state (pid $pid, RSS $(rss_mb "$pid") MB, uptime $(uptime_s "$pid") s, bootstrap $HOST:$KAFKA_PORT)"
    return 0
  fi
  if port_open "$KAFKA_PORT"; then
    log "not running (but $HOST:$KAFKA_PORT is in use by something else $(port_owner "$KAFKA_PORT"))"
  else
    log "not running"
  fi
  return 3
}

cmd_reset() {
  cmd_stop
  case "$DATA_DIR" in
    "$ROOT"/.local/*|"$BASE"/*) ;;
    *) [[ -f "$DATA_DIR/meta.properties" ]] || die "refusing to delete $DATA_DIR (not under .local/ and no meta.properties)" ;;
  esac
  rm -rf "$DATA_DIR" "$CLUSTER_ID_FILE" "$PROPS"
  log "data deleted (${DATA_DIR#"$ROOT"/}); next start formats a fresh cluster"
}

# ---- three-broker cluster: each node is this script's single broker with its own ports and dir.
CLUSTER_DIR="${KAFKA_CLUSTER_DIR:-$ROOT/.local/kafka-cluster}"
read -r -a CLUSTER_PORTS <<<"${KAFKA_CLUSTER_PORTS:-29092 29093 29094}"
read -r -a CLUSTER_CONTROLLER_PORTS <<<"${KAFKA_CLUSTER_CONTROLLER_PORTS:-29192 29193 29194}"
# What a three-broker cluster is for: every partition on all three, writes acknowledged by two
# (acks=all), so one broker can die without losing an acknowledged event or stopping writes.
CLUSTER_PROPS="default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2"

cluster_node() { # $1 = node number (1..3), $2 = command of this script
  local n=$1 voters="" i
  for i in 1 2 3; do voters+="${voters:+,}$i@$HOST:${CLUSTER_CONTROLLER_PORTS[i - 1]}"; done
  KAFKA_INSTANCE_DIR="$CLUSTER_DIR/node-$n" KAFKA_DATA_DIR="$CLUSTER_DIR/node-$n/data" \
    KAFKA_PORT="${CLUSTER_PORTS[n - 1]}" KAFKA_CONTROLLER_PORT="${CLUSTER_CONTROLLER_PORTS[n - 1]}" \
    KAFKA_NODE_ID="$n" KAFKA_QUORUM_VOTERS="$voters" KAFKA_EXTRA_PROPS="$CLUSTER_PROPS" \
    KAFKA_HEAP="${KAFKA_HEAP:-"-Xms128m -Xmx256m"}" bash "${BASH_SOURCE[0]}" "$2"
}

cmd_cluster() {
  local n pids=() rc=0
  case "${1:-}" in
    start)
      cmd_fetch
      mkdir -p "$CLUSTER_DIR"
      # One cluster id for the three nodes' storage.
      if [[ ! -s "$CLUSTER_DIR/cluster.id" ]]; then
        # shellcheck disable=SC2046
        "$JAVA" $(java_log_opts tools.log) -cp "$LIBS/*" kafka.tools.StorageTool random-uuid >"$CLUSTER_DIR/cluster.id"
      fi
      for n in 1 2 3; do
        mkdir -p "$CLUSTER_DIR/node-$n"
        cp "$CLUSTER_DIR/cluster.id" "$CLUSTER_DIR/node-$n/cluster.id"
      done
      # In parallel: a node is "started" only once a quorum of controllers (two) is up.
      for n in 1 2 3; do cluster_node "$n" start & pids+=($!); done
      for n in "${pids[@]}"; do wait "$n" || rc=1; done
      ((rc == 0)) || die "cluster start failed (logs: ${CLUSTER_DIR#"$ROOT"/}/node-*/logs)"
      log "cluster up - bootstrap $(cluster_bootstrap)"
      ;;
    stop | status | reset)
      for n in 1 2 3; do cluster_node "$n" "$1" || rc=$?; done
      [[ "$1" == reset ]] && rm -f "$CLUSTER_DIR/cluster.id"
      return "$rc"
      ;;
    *) echo "usage: $0 cluster start|stop|status|reset" >&2; exit 2 ;;
  esac
}

cluster_bootstrap() {
  local p out=""
  for p in "${CLUSTER_PORTS[@]}"; do out+="${out:+,}$HOST:$p"; done
  echo "$out"
}

case "${1:-}" in
  cluster) shift; cmd_cluster "$@" ;;
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  *) echo "usage: $0 fetch|start|stop|status|reset" >&2; exit 2 ;;
esac
