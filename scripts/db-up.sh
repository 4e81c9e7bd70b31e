#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for `just run` (trust auth, 127.0.0.1 only,
# data in a temporary directory) and prints the CHATLENS_DATABASE_URL to use.
# Ctrl-C stops it and deletes the data. Needs the PostgreSQL server binaries
# (Debian: apt-get install postgresql); as root it runs them as "postgres".
set -euo pipefail
port="${DB_PORT:-54329}"
initdb=$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$initdb" ]; then
  echo "db-up: no initdb found; install the PostgreSQL server binaries" >&2
  exit 1
fi
bindir=$(dirname "$initdb")
dir=$(mktemp -d /tmp/chatlens-db.XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
cleanup() { "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir" start >/dev/null
echo "PostgreSQL is up. In another shell:"
echo "  export CHATLENS_DATABASE_URL='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
echo "  just run"
echo "Ctrl-C stops it and deletes its data."
while "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; do sleep 2; done
