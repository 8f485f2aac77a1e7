#!/usr/bin/env bash
# Gets hss-gate onto the runner. "source": installs the libraries and builds it from this
# action's checkout, unless a cached build is already in $HSS_GATE_BUILD_DIR (on a 2-core Debian
# 12 machine the packages took 12 s and the build of the binary alone about 20 s). "package":
# installs the released .deb of $HSS_GATE_VERSION after checking it against the release's
# SHA256SUMS ($HSS_GATE_RELEASE_URL overrides where releases are downloaded from). The package is
# built on Debian 12 and links its libraries' sonames, so on any other system it stops before
# installing and names container mode. HSS_GATE_TEST_OS_RELEASE (test-only) replaces
# /etc/os-release.
set -euo pipefail
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

# The value of KEY in an os-release file without quotes, kept to the characters its
# specification allows for ID and VERSION_ID; the file is read, never sourced.
os_release_value() {
  sed -n "s/^$1=//p" "$2" | head -n1 | tr -cd '[:alnum:]._-'
}

if [ "${HSS_GATE_INSTALL:-source}" = package ]; then
  os_release="${HSS_GATE_TEST_OS_RELEASE:-/etc/os-release}"
  os_id="" os_version=""
  if [ -r "$os_release" ]; then
    os_id="$(os_release_value ID "$os_release")"
    os_version="$(os_release_value VERSION_ID "$os_release")"
  fi
  if [ "$os_id" != debian ] || [ "$os_version" != 12 ]; then
    echo "::error title=hss-gate install error::input gate-install: package installs a Debian 12 package, but this runner is ${os_id:-unknown} ${os_version:-unknown} ($os_release): use gate-install: container (Docker is on GitHub's Ubuntu runners)"
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
      printf 'decision=install_error\nexit-code=2\n' >> "$GITHUB_OUTPUT"
    fi
    exit 2
  fi
  version="${HSS_GATE_VERSION:?}"
  base="${HSS_GATE_RELEASE_URL:-https://github.com/hss-gate/hss-gate/releases/download}"
  deb="hss-gate_${version}_$(dpkg --print-architecture).deb"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  curl -fsSL -o "$work/$deb" "$base/v$version/$deb"
  curl -fsSL -o "$work/SHA256SUMS" "$base/v$version/SHA256SUMS"
  (cd "$work" && grep " $deb\$" SHA256SUMS | sha256sum -c -)
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$work/$deb" >/dev/null
  hss-gate --version
  exit 0
fi

build_dir="${HSS_GATE_BUILD_DIR:?HSS_GATE_BUILD_DIR is not set}"
"$source_dir/scripts/install-deps"
if [ -x "$build_dir/hss-gate" ]; then
  echo "hss-gate: using the cached build in $build_dir"
else
  cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
  cmake --build "$build_dir" --target hss-gate -j"$(nproc)"
fi
"$build_dir/hss-gate" --version
