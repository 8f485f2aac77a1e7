#!/usr/bin/env bash
# Runs the gate with the action's inputs. Each input arrives as INPUT_<its HSS_GATE_* variable>
# and sets that variable only when it was given: an input left empty leaves the caller's own
# HSS_GATE_* setting (job or workflow env) alone, and a given input wins over it.
# hss-gate itself writes the step summary, the annotations and the step outputs; when it stops
# before it can (a configuration error, exit 2), decision, exit-code and the summary are set here.
set -uo pipefail

while IFS= read -r input; do
  value="$(printenv "$input")"
  if [ -n "$value" ]; then export "${input#INPUT_}=$value"; fi
  unset "$input"
done < <(compgen -e | grep -E '^INPUT_HSS_GATE_[A-Z_]+$')
# The action's own report paths, below any setting of the caller's.
export HSS_GATE_JUNIT="${HSS_GATE_JUNIT:-hss-gate-junit.xml}" HSS_GATE_JSON="${HSS_GATE_JSON:-hss-gate-report.json}"

run_gate() {
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
}

# stderr is shown as it comes and kept, for the summary of a gate that stopped early.
errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
{ run_gate 2>&1 1>&3 3>&- | tee "$errors" >&2; } 3>&1
code=${PIPESTATUS[0]}

if [ -n "${GITHUB_OUTPUT:-}" ] && ! grep -qE '^exit-code(=|<<)' "$GITHUB_OUTPUT" 2>/dev/null; then
  decision=error
  if [ "$code" -eq 2 ]; then decision=config_error; fi
  printf 'decision=%s\nexit-code=%s\n' "$decision" "$code" >> "$GITHUB_OUTPUT"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    {
      if [ "$decision" = config_error ]; then
        printf '### :x: hss-gate: configuration error (exit %s)\n\nNothing was looked up in HSS:\n\n' "$code"
      else
        printf '### :x: hss-gate stopped before a verdict (exit %s)\n\n' "$code"
      fi
      # Indented: a code block that no text of a message can end or turn into markup.
      grep '^hss-gate: error: ' "$errors" | sed 's/^/    /'
      echo
    } >> "$GITHUB_STEP_SUMMARY"
  fi
fi
exit "$code"
