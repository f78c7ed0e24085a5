#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need, only when they are missing:
#   - Mesa >= 25 lavapipe (mesa-vulkan-drivers from bookworm-backports): the software Vulkan driver
#     that Dawn (the `webgpu` npm package) accepts; Debian 12's own Mesa 22 is rejected by Dawn.
#   - chromium: headless browser for end-to-end tests; it also ships SwiftShader, the fallback adapter.
# The backports source is derived from the machine's existing Debian apt source (no host is named here).
# Idempotent and quiet when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

log() { echo "[setup-system] $*" >&2; }

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

have_mesa25() {
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 25 && ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1
}
have_chromium() { command -v chromium >/dev/null 2>&1; }

if have_mesa25 && have_chromium; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "apt-get not found: this script knows how to install packages on Debian only."
  log "Install a WebGPU-capable Vulkan driver (Mesa >= 25 lavapipe, or a real GPU driver) and Chromium yourself."
  exit 1
fi

# Derive the bookworm-backports source from the first Debian source that serves 'bookworm'.
add_backports() {
  local dst=/etc/apt/sources.list.d/sdlora-backports.sources
  [ -e "$dst" ] && return 0
  local uri="" keyring="/usr/share/keyrings/debian-archive-keyring.gpg"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    uri=$(awk '
      /^URIs:/ {u=$2} /^Suites:/ {s=$0}
      /^$/ { if (u!="" && s ~ /[ \t]bookworm([ \t]|$)/) {print u; exit} u=""; s="" }
      END { if (u!="" && s ~ /[ \t]bookworm([ \t]|$)/) print u }' "$f" | head -n1)
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ] && [ -e /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 ~ / bookworm / {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list | head -n1)
  fi
  if [ -z "$uri" ]; then
    log "could not find a Debian bookworm apt source to derive bookworm-backports from."
    exit 1
  fi
  log "adding bookworm-backports, derived from the existing source"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uri" "$keyring" | $SUDO tee "$dst" >/dev/null
}

export DEBIAN_FRONTEND=noninteractive
if ! have_mesa25; then add_backports; fi
log "apt-get update"
$SUDO apt-get update -qq >/dev/null
pkgs=()
have_chromium || pkgs+=(chromium)
if [ ${#pkgs[@]} -gt 0 ]; then
  log "installing ${pkgs[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
if ! have_mesa25; then
  log "installing mesa-vulkan-drivers (lavapipe) from bookworm-backports"
  $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
fi
have_mesa25 || { log "lavapipe (Mesa >= 25) still missing after install"; exit 1; }
have_chromium || { log "chromium still missing after install"; exit 1; }
log "done: $(dpkg-query -W -f='mesa-vulkan-drivers ${Version}' mesa-vulkan-drivers), $(chromium --version 2>/dev/null | head -n1)"
