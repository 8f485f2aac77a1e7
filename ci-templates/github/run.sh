#!/usr/bin/env bash
# Runs the gate with the action's inputs, which arrive as HSS_GATE_* variables (empty = unset).
# hss-gate itself writes the step summary, the annotations and the step outputs; when it stops
# before it can (a configuration error, exit 2), the exit-code output is still set here.
set -uo pipefail

case "${HSS_GATE_INSTALL:-source}" in
  source) "${HSS_GATE_BUILD_DIR:?}/hss-gate" check ;;
  package) hss-gate check ;;
  container)
    # The container sees the workspace and the runner's files (GITHUB_OUTPUT,
    # GITHUB_STEP_SUMMARY) at the same paths, and the same hss-gate, cloud and proxy variables,
    # passed by name (-e NAME) so that docker copies each value whole: a policy list spans
    # lines, which an --env-file cannot carry. It runs as the runner's user, who owns the
    # workspace.
    passed=()
    while IFS= read -r name; do
      [ "$name" = HSS_GATE_BUILD_DIR ] && continue
      passed+=(-e "$name")
    done < <(compgen -e | grep -E '^(HSS_GATE_.*|HUAWEICLOUD_.*|CLOUD_SDK_.*|GITHUB_.*|RUNNER_.*|CI|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|SSL_CERT_FILE)$')
    docker run --rm "${passed[@]}" --user "$(id -u):$(id -g)" \
      -v "$GITHUB_WORKSPACE:$GITHUB_WORKSPACE" -v "$RUNNER_TEMP:$RUNNER_TEMP" -w "$PWD" \
      "${HSS_GATE_CONTAINER:?}" check ;;
esac
code=$?
if [ -n "${GITHUB_OUTPUT:-}" ] && ! grep -q '^exit-code=' "$GITHUB_OUTPUT" 2>/dev/null; then
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
fi
exit "$code"
