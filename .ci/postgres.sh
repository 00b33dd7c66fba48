#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the database tests, on 127.0.0.1 only, run by an
# unprivileged user (postgres refuses to run as root), with password (scram) authentication.
#   eval "$(bash .ci/postgres.sh start)"   prints `export CLV_TEST_PG_URL=…; export CLV_TEST_PG_DIR=…`
#   bash .ci/postgres.sh stop DIR          stops it and removes its folder
# Port: CLV_PG_PORT (default 54329). Installs Debian's postgresql when no server binaries exist.
set -euo pipefail
cmd=${1:-start}
if [ "$cmd" = stop ]; then
  dir=${2:?usage: postgres.sh stop DIR}
  bin=$(cat "$dir/bin")
  as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u "$(stat -c %U "$dir")" -- "$@"; else "$@"; fi; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

port=${CLV_PG_PORT:-54329}
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/clv-pg.XXXXXX)
chmod 755 "$dir"
echo "$bin" >"$dir/bin"
password="clv-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$password" >"$dir/pwfile"
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
  owner=postgres
  id postgres >/dev/null 2>&1 || owner=nobody
  chown -R "$owner" "$dir"
fi
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi; }
as_owner "$bin/initdb" -D "$dir/data" -U clv --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pwfile"
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-k $dir -h 127.0.0.1 -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
echo "export CLV_TEST_PG_URL='postgres://clv:$password@127.0.0.1:$port/postgres'; export CLV_TEST_PG_DIR='$dir'"
