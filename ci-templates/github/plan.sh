#!/usr/bin/env bash
# Decides how the action gets hss-gate (source, package or container), honouring the deprecated
# inputs `version` and `image` with a warning, and computes the build cache key: the runner's OS
# image and architecture and a hash of the sources this action builds from (hashFiles() sees only
# the workspace, not the action's own checkout).
set -euo pipefail
install="${INPUT_GATE_INSTALL:-source}"
version="${INPUT_GATE_VERSION:?}"
image="${INPUT_GATE_IMAGE:?}"
if [ -n "${INPUT_VERSION:-}" ]; then
  echo "::warning title=hss-gate::input version is deprecated and goes in 0.3.0: use gate-install (and gate-version)"
  if [ "$INPUT_VERSION" != source ]; then install=container; version="$INPUT_VERSION"; fi
fi
if [ -n "${INPUT_IMAGE:-}" ]; then
  echo "::warning title=hss-gate::input image is deprecated and goes in 0.3.0: use gate-image"
  image="$INPUT_IMAGE"
fi
# An input quoted in a workflow command is escaped as GitHub's toolkit escapes command data, so that
# a line break in it cannot end the command and start another.
command_data() { local data="${1//%/%25}"; data="${data//$'\r'/%0D}"; printf '%s' "${data//$'\n'/%0A}"; }
case "$install" in
  source|package|container) ;;
  *) echo "::error title=hss-gate configuration error::input gate-install: expected source, package or container, got \"$(command_data "$install")\""
     exit 2 ;;
esac
source_dir="$(cd "$GITHUB_ACTION_PATH/../.." && pwd)"
hash="$(cd "$source_dir" && find CMakeLists.txt gate policies/default.toml scripts/install-deps -type f -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
image_id="${ImageOS:-unknown}"
{
  echo "install=$install"
  echo "version=$version"
  echo "container=$image:$version"
  echo "cache-key=hss-gate-${RUNNER_OS:-Linux}-${image_id}-${RUNNER_ARCH:-X64}-$hash"
} >> "$GITHUB_OUTPUT"
