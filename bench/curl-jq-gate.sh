#!/usr/bin/env bash
# The hand-written alternative hss-gate replaces: one curl call and jq, the same lookup (exact
# cicd_name and image_version) and the same three thresholds as bench/policy.toml. Exit 0 pass,
# 1 blocked, 3 on any other trouble. Usage: curl-jq-gate.sh ENDPOINT PROJECT CICD_NAME TAG
set -euo pipefail
endpoint="$1" project="$2" name="$3" tag="$4"
body=$(curl -sS --fail -G -H "X-Auth-Token: $HSS_GATE_AUTH_TOKEN" \
  --data-urlencode "cicd_name=$name" --data-urlencode "image_version=$tag" --data-urlencode "limit=200" \
  "$endpoint/v5/$project/image/cicd/images") || exit 3
echo "$body" | jq -e --arg name "$name" --arg tag "$tag" '
  [.data_list | if type == "array" then .[] else . end
   | select(.cicd_name == $name and .image_version == $tag)] as $images
  | if ($images | length) == 0 then error("image not found") else . end
  | [$images[] | select(.scan_status != "success"
                        or .vul_num > 50
                        or .malicious_file_num > 0
                        or ({"Security":0,"Low":1,"Medium":2,"High":3}[.severity_level] > 2))]
  | length == 0' >/dev/null || exit 1
