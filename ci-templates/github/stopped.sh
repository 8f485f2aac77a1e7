#!/usr/bin/env bash
# Runs when hss-gate never got to run: a wrong input of this action (the plan step failed) is a
# configuration error, anything later before the gate (the install, the build cache) an install
# error. Both are exit-code 2, as hss-gate's own usage errors are, so that a workflow reading the
# outputs never sees them empty. The step that failed has already failed the job.
set -euo pipefail
if [ "${PLAN_OUTCOME:-}" = failure ]; then
  decision=config_error
  title="configuration error: an input of the action is wrong (see the step \"Plan the hss-gate install\")"
else
  decision=install_error
  title="hss-gate could not be installed (see the step \"Install hss-gate\")"
fi
printf 'decision=%s\nexit-code=2\n' "$decision" >> "$GITHUB_OUTPUT"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  printf '### :x: hss-gate: %s\n\nNothing was looked up in HSS (exit 2).\n\n' "$title" >> "$GITHUB_STEP_SUMMARY"
fi
