# Shared helpers of the repo scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
# The pinned Node (devDependency `node`) comes first, also when a script is run without npm.
export PATH="$ROOT/node_modules/.bin:$PATH"
# The system tools the scripts and tests run as root (runuser, iptables for podman's netavark,
# pg_ctlcluster's helpers) live in sbin, which a minimal PATH (cron, CI runners) may lack.
for dir in /usr/local/sbin /usr/sbin /sbin; do
  case ":$PATH:" in *":$dir:"*) ;; *) PATH="$PATH:$dir" ;; esac
done
# Nx, when a script runs it, stays offline and in-process (nx.json says the same).
export NX_DAEMON=false NX_NO_CLOUD=true
step() { printf '\n==> %s\n' "$*"; }

# Installs node_modules exactly from the lock file when missing or stale.
ensure_node_modules() {
  if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    step "installing npm dependencies (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  hash -r
  ensure_pinned_node
}

# Everything runs on the Node that package.json pins (devDependency `node`, installed from the
# npm registry into node_modules/.bin), whatever Node the machine has.
ensure_pinned_node() {
  local pinned running
  pinned="v$(node -p "require('$ROOT/package.json').devDependencies.node" 2>/dev/null)"
  running="$(node --version 2>/dev/null || echo none)"
  if [ "$running" != "$pinned" ]; then
    echo "ERROR: this repo runs on Node $pinned (pinned in package.json, installed by npm into node_modules/.bin)," >&2
    echo "       but 'node' here is $running ($(command -v node || echo 'not found')). Run 'npm ci' and use npm start/npm test." >&2
    exit 1
  fi
}
