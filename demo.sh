#!/usr/bin/env bash
# Starts the service with the 14 built-in agents, runs one 108-step ritual end to end and shows the
# UCF before and after. The service keeps running afterwards (http://localhost:8080); Ctrl-C stops it.
# DEMO_EXIT=1 stops it once the ritual is done.
#
# The database: the machine's PostgreSQL when one answers on HELIX_DB_HOST:HELIX_DB_PORT (127.0.0.1:5432) or a
# local cluster for that port is installed (.ci/prepare-db starts it and creates the role and the database);
# otherwise, or with HELIX_DB_EMBEDDED=true, an embedded PostgreSQL of the demo's own, for trying the service only,
# with its data in HELIX_DB_EMBEDDED_DIR (~/.helix/embedded-postgres). HELIX_DB_EMBEDDED=false insists on the
# machine's. Needs Java 17+ (a JDK for the first build) and curl; see the README's Prerequisites.
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C # a decimal point in printf, whatever the user's locale

say() { echo "demo: $*"; }
die() { echo "demo: $*" >&2; exit 1; }

# --- prerequisites ---
command -v java >/dev/null || die "Java 17 or newer is not installed (apt-get install openjdk-17-jdk-headless)"
JAVA_VERSION=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
case "$JAVA_VERSION" in
  1.*|[0-9]|1[0-6]|"") die "Java ${JAVA_VERSION:-of unknown version} is too old: the service needs Java 17 or newer" ;;
esac
command -v curl >/dev/null || die "curl is not installed (apt-get install curl)"

# --- the database: the machine's, or an embedded one ---
HOST=${HELIX_DB_HOST:-127.0.0.1}
PORT=${HELIX_DB_PORT:-5432}
answers() { timeout 3 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null; }
startable() { command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | awk -v p="$PORT" '$3 == p { f = 1 } END { exit !f }'; }
case "${HELIX_DB_EMBEDDED:-}" in
  true) EMBEDDED=1 ;;
  false) EMBEDDED= ;;
  "")
    if answers || startable; then
      EMBEDDED=
    else
      EMBEDDED=1
      say "no PostgreSQL answers on $HOST:$PORT and none is installed there: using an embedded one (HELIX_DB_EMBEDDED=true)"
    fi ;;
  *) die "HELIX_DB_EMBEDDED is '$HELIX_DB_EMBEDDED': true or false" ;;
esac
[ -n "$EMBEDDED" ] || bash .ci/prepare-db

JAR=target/quarkus-app/quarkus-run.jar
LAUNCHER=target/test-classes/org/helix/embedded/EmbeddedPostgresLauncher.class
if [ ! -f "$JAR" ] || [ -n "$(find src pom.xml -newer "$JAR" -print -quit)" ] \
    || { [ -n "$EMBEDDED" ] && { [ ! -f "$LAUNCHER" ] || [ ! -f target/embedded.classpath ]; }; }; then
  command -v javac >/dev/null || die "building the service needs a JDK 17 or newer (javac), not only a Java runtime"
  say "building (first time takes a few minutes) ..."
  ./mvnw -B -q package -DskipTests
fi

export HELIX_BUILTIN_AGENTS_ENABLED=true
export HELIX_SECURITY_BOOTSTRAP_ADMIN_KEY="${HELIX_SECURITY_BOOTSTRAP_ADMIN_KEY:-demo-admin-key}"
export QUARKUS_LOG_CONSOLE_JSON_ENABLED=false
KEY="$HELIX_SECURITY_BOOTSTRAP_ADMIN_KEY"
URL="http://localhost:${HELIX_HTTP_PORT:-8080}"
COMMAND=(java -jar "$JAR")
if [ -n "$EMBEDDED" ]; then
  # the launcher runs on the test classpath, never part of the service's jar (see pom.xml)
  COMMAND=(java -Xmx128m -cp "target/test-classes:$(cat target/embedded.classpath)" org.helix.embedded.EmbeddedPostgresLauncher
           "${COMMAND[@]}")
fi
"${COMMAND[@]}" > target/demo.log 2>&1 &
APP=$!
trap 'kill $APP 2>/dev/null; wait $APP 2>/dev/null || true' EXIT
printf 'demo: starting the service'
for _ in $(seq 1 120); do
  curl -sf "$URL/q/health/ready" > /dev/null && break
  if ! kill -0 $APP 2>/dev/null; then
    echo
    # the embedded launcher says in one line why it could not start
    die "the service did not start: $(grep -m 1 -E '^(the embedded PostgreSQL|cannot create)' target/demo.log \
      || echo "see target/demo.log")"
  fi
  printf '.'; sleep 1
done
curl -sf "$URL/q/health/ready" > /dev/null || { echo; die "the service was not ready within 2 minutes; see target/demo.log"; }
echo " ready at $URL"
if [ -n "$EMBEDDED" ]; then sed -n '/^embedded PostgreSQL/,/^  log:/p' target/demo.log; fi

# json NAME: the value of the field NAME in the JSON on stdin (names asked for here occur once in their document)
json() { sed -nE "s/.*\"$1\":(\"[^\"]*\"|[^,}]*).*/\1/p" | head -n 1 | tr -d '"'; }
decimal() { printf '%.4f' "${1/null/0}"; }
field() {
  local ucf line="" metric
  ucf=$(curl -s "$URL/ucf")
  for metric in harmony resilience prana drishti klesha zoom; do
    line+="$metric $(decimal "$(json "$metric" <<<"$ucf")")  "
  done
  echo "${line} phase $(json phase <<<"$ucf")"
}
echo "UCF before: $(field)"
RITUAL=$(curl -s -X POST "$URL/api/rituals" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"steps": 108, "mantra": "Tat Tvam Asi"}' | json ritual_id)
[ -n "$RITUAL" ] || die "the service did not start the ritual; see target/demo.log"
echo "ritual $RITUAL started; the built-in agents lease and complete its 108 steps"
while :; do
  VIEW=$(curl -s "$URL/api/rituals/$RITUAL" -H "Authorization: Bearer $KEY")
  STATUS=$(json status <<<"$VIEW")
  printf '\r  %-9s %3s/108 steps' "$STATUS" "$(json steps_completed <<<"$VIEW")"
  case "$STATUS" in COMPLETED|FAILED|TIMED_OUT|CANCELLED|STALLED) break ;; esac
  sleep 0.5
done
echo
echo "ritual $STATUS in $(json duration_seconds <<<"$VIEW") s: harmony $(decimal "$(json harmony_before <<<"$VIEW")") -> $(decimal "$(json harmony_after <<<"$VIEW")")"
echo "UCF after:  $(field)"
[ "$STATUS" = COMPLETED ] || exit 1
if [ -n "${DEMO_EXIT:-}" ]; then exit 0; fi
echo "the service keeps running at $URL (admin key: $KEY); Ctrl-C to stop"
wait $APP
