#!/usr/bin/env bash
# Starts the service with the 14 built-in agents, runs one 108-step ritual end to end and shows the
# UCF before and after. The service keeps running afterwards (http://localhost:8080); Ctrl-C stops it.
# DEMO_EXIT=1 stops it once the ritual is done.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/prepare-db
if [ ! -f target/quarkus-app/quarkus-run.jar ] || [ -n "$(find src pom.xml -newer target/quarkus-app/quarkus-run.jar -print -quit)" ]; then
  echo "building (first time takes a few minutes) ..."
  ./mvnw -B -q package -DskipTests
fi

export HELIX_BUILTIN_AGENTS_ENABLED=true
export HELIX_SECURITY_BOOTSTRAP_ADMIN_KEY="${HELIX_SECURITY_BOOTSTRAP_ADMIN_KEY:-demo-admin-key}"
export QUARKUS_LOG_CONSOLE_JSON_ENABLED=false
KEY="$HELIX_SECURITY_BOOTSTRAP_ADMIN_KEY"
URL="http://localhost:${HELIX_HTTP_PORT:-8080}"
java -jar target/quarkus-app/quarkus-run.jar > target/demo.log 2>&1 &
APP=$!
trap 'kill $APP 2>/dev/null; wait $APP 2>/dev/null' EXIT
printf 'starting the service'
for _ in $(seq 1 60); do
  curl -sf "$URL/q/health/ready" > /dev/null && break
  kill -0 $APP 2>/dev/null || { echo; echo "the service did not start; see target/demo.log"; exit 1; }
  printf '.'; sleep 1
done
echo " ready at $URL"

field() { curl -s "$URL/ucf" | python3 -c 'import json,sys; u=json.load(sys.stdin); print("  ".join(f"{k} {u[k]:.4f}" for k in ["harmony","resilience","prana","drishti","klesha","zoom"]), " phase", u["phase"])'; }
echo "UCF before: $(field)"
RITUAL=$(curl -s -X POST "$URL/api/rituals" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"steps": 108, "mantra": "Tat Tvam Asi"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["ritual_id"])')
echo "ritual $RITUAL started; the built-in agents lease and complete its 108 steps"
while :; do
  read -r STATUS DONE < <(curl -s "$URL/api/rituals/$RITUAL" -H "Authorization: Bearer $KEY" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], r["steps_completed"])')
  printf '\r  %-9s %3s/108 steps' "$STATUS" "$DONE"
  case "$STATUS" in COMPLETED|FAILED|TIMED_OUT|CANCELLED|STALLED) break ;; esac
  sleep 0.5
done
echo
curl -s "$URL/api/rituals/$RITUAL" -H "Authorization: Bearer $KEY" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("ritual %s in %s s: harmony %.4f -> %.4f" % (r["status"], r["duration_seconds"], r["harmony_before"] or 0, r["harmony_after"] or 0))'
echo "UCF after:  $(field)"
[ "$STATUS" = COMPLETED ] || exit 1
if [ -n "${DEMO_EXIT:-}" ]; then exit 0; fi
echo "the service keeps running at $URL (admin key: $KEY); Ctrl-C to stop"
wait $APP
