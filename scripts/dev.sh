#!/usr/bin/env bash
# Runs the whole platform locally: `up` installs, starts the infrastructure, migrates,
# starts the three services with demo data; `down` stops what `up` started (by pid).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
RUN="$LOCAL/run"
LOGS="$LOCAL/logs"
APPS=("inventory-service:3001" "payment-service:3002" "order-gateway:3000")

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

wait_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + 60))
  until curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1; do
    if ! running "$name"; then echo "$name exited; last log lines:"; tail -20 "$LOGS/$name.log"; exit 1; fi
    if [ $SECONDS -gt $deadline ]; then echo "$name not ready after 60 s; see $LOGS/$name.log"; exit 1; fi
    sleep 0.5
  done
}

up() {
  ensure_node_modules
  step "infrastructure (PostgreSQL, Redis, Kafka)"
  bash scripts/infra.sh up
  step "build"
  npm run --silent build
  step "migrations and topics"
  node dist/tools/migrate.js
  node dist/tools/create-topics.js
  mkdir -p "$RUN" "$LOGS"
  for entry in "${APPS[@]}"; do
    name=${entry%%:*} port=${entry##*:}
    if running "$name"; then echo "$name: already running (pid $(cat "$RUN/$name.pid"))"; continue; fi
    step "starting $name on :$port (log: .local/logs/$name.log)"
    PORT=$port NODE_ENV=${NODE_ENV:-development} nohup node "dist/apps/$name/src/main.js" >"$LOGS/$name.log" 2>&1 &
    echo $! >"$RUN/$name.pid"
    wait_ready "$name" "$port"
    echo "$name: ready (pid $(cat "$RUN/$name.pid"))"
  done
  step "demo data"
  node dist/tools/seed-demo.js http://127.0.0.1:3000
  cat <<MSG

The platform is up: gateway http://127.0.0.1:3000 (API docs: http://127.0.0.1:3000/docs)

Place an order (development token for user "demo-user", valid 1 h):
  TOKEN=\$(npm run -s token -- demo-user)
  curl -s -X POST http://127.0.0.1:3000/orders \\
    -H "Authorization: Bearer \$TOKEN" -H "Idempotency-Key: \$(cat /proc/sys/kernel/random/uuid)" \\
    -H "Content-Type: application/json" -H "Prefer: wait=10" \\
    -d '{"items":[{"sku":"DEMO-TSHIRT","quantity":2}],"paymentMethod":"pm_card_ok"}'

Stop everything this started:  npm stop
MSG
}

down() {
  for entry in "${APPS[@]}"; do
    name=${entry%%:*}
    if running "$name"; then
      pid=$(cat "$RUN/$name.pid")
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "$name: stopped (pid $pid)"
    fi
    rm -f "$RUN/$name.pid"
  done
  bash scripts/infra.sh down
}

status() {
  for entry in "${APPS[@]}"; do
    name=${entry%%:*}
    if running "$name"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; fi
  done
  bash scripts/infra.sh status || true
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status"; exit 2 ;;
esac
