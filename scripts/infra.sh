#!/usr/bin/env bash
# Local infrastructure for development, without Docker:
#   PostgreSQL 127.0.0.1:5432 and Redis 127.0.0.1:6379 (machine services; started only if not up)
#   Apache Kafka 127.0.0.1:9092 (repo-owned broker, scripts/kafka.sh)
#
#   scripts/infra.sh up       start whatever is not running
#   scripts/infra.sh down     stop Kafka; stop Redis/PostgreSQL only if `up` started them
#   scripts/infra.sh status   one line per dependency (exit 0 if all up, 3 otherwise)
#
# What `up` started is remembered in .local/started-by-us/{postgres,redis}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
MARKERS="$LOCAL/started-by-us"
REDIS_PIDFILE="$LOCAL/redis.pid"
KAFKA_SH="$ROOT/scripts/kafka.sh"
PG_HOST=127.0.0.1 PG_PORT=5432
REDIS_HOST=127.0.0.1 REDIS_PORT=6379

die() { echo "infra: ERROR: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found ($2)"; }

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1; }
redis_up() { [[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null || true)" == "PONG" ]]; }

# Newest installed cluster version (e.g. 15), cluster name "main".
pg_version() {
  local v
  v="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$v" ]] || die "no PostgreSQL cluster under /etc/postgresql (apt-get install postgresql)"
  echo "$v"
}

wait_for() { # $1 = description, $2 = check function, $3 = timeout s
  local i
  for (( i = 0; i < $3 * 4; i++ )); do
    "$2" && return 0
    sleep 0.25
  done
  die "$1 did not come up within $3 s"
}

up() {
  mkdir -p "$MARKERS"

  need pg_isready "apt-get install postgresql-client"
  if pg_up; then
    echo "infra: postgres already accepting on $PG_HOST:$PG_PORT"
  else
    need pg_ctlcluster "apt-get install postgresql-common"
    local v
    v="$(pg_version)"
    echo "infra: postgres not accepting on $PG_HOST:$PG_PORT - starting cluster $v/main"
    pg_ctlcluster --skip-systemctl-redirect "$v" main start
    wait_for "postgres" pg_up 30
    echo "$v" >"$MARKERS/postgres"
  fi

  need redis-cli "apt-get install redis-tools"
  if redis_up; then
    echo "infra: redis already answering on $REDIS_HOST:$REDIS_PORT"
  else
    need redis-server "apt-get install redis-server"
    echo "infra: redis not answering on $REDIS_HOST:$REDIS_PORT - starting redis-server"
    redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
      --save "" --appendonly no --dir "$LOCAL" \
      --pidfile "$REDIS_PIDFILE" --logfile "$LOCAL/redis.log" >/dev/null
    wait_for "redis" redis_up 15
    echo "redis" >"$MARKERS/redis"
  fi

  echo "infra: kafka"
  bash "$KAFKA_SH" start
}

stop_redis() {
  local pid=""
  [[ -f "$REDIS_PIDFILE" ]] && pid="$(tr -dc '0-9' <"$REDIS_PIDFILE")"
  if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
    echo "infra: redis (started by us) is no longer running"
  elif [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" != redis-server* ]]; then
    echo "infra: pid $pid from ${REDIS_PIDFILE#"$ROOT"/} is not redis-server - leaving it alone"
  else
    echo "infra: stopping redis (pid $pid, started by us)"
    kill -TERM "$pid"
    local i
    for (( i = 0; i < 40; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && die "redis pid $pid did not stop within 10 s"
  fi
  rm -f "$MARKERS/redis" "$REDIS_PIDFILE"
}

down() {
  bash "$KAFKA_SH" stop

  if [[ -f "$MARKERS/redis" ]]; then
    stop_redis
  else
    echo "infra: redis was not started by infra.sh - leaving it running"
  fi

  if [[ -f "$MARKERS/postgres" ]]; then
    local v
    v="$(cat "$MARKERS/postgres")"
    echo "infra: stopping postgres cluster $v/main (started by us)"
    pg_ctlcluster --skip-systemctl-redirect "$v" main stop || echo "infra: WARNING: pg_ctlcluster stop failed"
    rm -f "$MARKERS/postgres"
  else
    echo "infra: postgres was not started by infra.sh - leaving it running"
  fi
}

status() {
  local rc=0
  by() { [[ -f "$MARKERS/$1" ]] && echo " (started by infra.sh)" || echo ""; }
  if pg_up; then echo "postgres: up     $PG_HOST:$PG_PORT$(by postgres)"; else echo "postgres: down   $PG_HOST:$PG_PORT"; rc=3; fi
  if redis_up; then echo "redis:    up     $REDIS_HOST:$REDIS_PORT$(by redis)"; else echo "redis:    down   $REDIS_HOST:$REDIS_PORT"; rc=3; fi
  local k
  if k="$(bash "$KAFKA_SH" status 2>&1)"; then echo "kafka:    up     ${k#kafka: }"; else echo "kafka:    down   ${k#kafka: }"; rc=3; fi
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
