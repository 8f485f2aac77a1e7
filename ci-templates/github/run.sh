#!/usr/bin/env bash
# Runs the gate with the action's inputs, which arrive as HSS_GATE_* variables (empty = unset).
# hss-gate itself writes the step summary, the annotations and the step outputs.
set -uo pipefail

if [ "${INPUT_VERSION:-source}" = "source" ]; then
  "${HSS_GATE_BUILD_DIR:?}/hss-gate" check
  exit $?
fi

# The container sees the workspace and the runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY)
# at the same paths, and the same hss-gate, cloud and proxy variables. They are passed by name
# (-e NAME), so that docker copies each value whole: a policy list spans lines, which an
# --env-file cannot carry.
passed=()
while IFS= read -r name; do
  [ "$name" = HSS_GATE_BUILD_DIR ] && continue
  passed+=(-e "$name")
done < <(compgen -e | grep -E '^(HSS_GATE_.*|HUAWEICLOUD_.*|CLOUD_SDK_.*|GITHUB_.*|RUNNER_.*|CI|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|SSL_CERT_FILE)$')
docker run --rm "${passed[@]}" \
  -v "$GITHUB_WORKSPACE:$GITHUB_WORKSPACE" -v "$RUNNER_TEMP:$RUNNER_TEMP" -w "$PWD" \
  "${INPUT_IMAGE:?}:${INPUT_VERSION}" check
