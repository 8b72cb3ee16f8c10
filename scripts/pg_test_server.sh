#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS server for tests and benches. It installs nothing: `make test`
# installs the Debian packages (postgresql-15-postgis-3). The cluster lives in a temp folder, listens
# on 127.0.0.1 only, on a free port, and is removed by `stop`.
#
#   scripts/pg_test_server.sh start            → prints shell assignments (eval them):
#       WBE_PG_DIR=… WBE_PG_HOST=127.0.0.1 WBE_PG_PORT=… WBE_PG_USER=… WBE_PG_DB=wbe_test
#   scripts/pg_test_server.sh stop <WBE_PG_DIR>
#   scripts/pg_test_server.sh status <WBE_PG_DIR>
#
# The superuser (the postgres OS user's name, or the caller's) connects from loopback without a
# password; every other role must give its password (scram-sha-256), so tests can exercise QGIS
# authentication configurations and role rights. initdb refuses to run as root: as root the server runs
# as the `postgres` system user that the Debian package creates.
set -euo pipefail

PG_BIN="${WBE_PG_BIN:-/usr/lib/postgresql/15/bin}"
DB_NAME="${WBE_PG_DB:-wbe_test}"

die() {
    echo "pg_test_server: $*" >&2
    exit 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL server in $PG_BIN (install postgresql-15-postgis-3)"
    [ -f /usr/share/postgresql/15/extension/postgis.control ] || die "no PostGIS extension (install postgresql-15-postgis-3)"
    if [ "$(id -u)" = 0 ]; then
        getent passwd postgres >/dev/null || die "running as root needs the postgres system user (from the postgresql package)"
        superuser=postgres
    else
        superuser="$(id -un)"
    fi
    dir="$(mktemp -d "${TMPDIR:-/tmp}/wbe-pg-XXXXXX")"
    chmod 700 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U "$superuser" -E UTF8 --locale=C.UTF-8 -A trust >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >"$dir/data/pg_hba.conf" <<EOF
local all $superuser trust
host  all $superuser 127.0.0.1/32 trust
local all all scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
EOF
    port=""
    for _ in 1 2 3 4 5; do
        port="$(free_port)"
        if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" \
            start >/dev/null 2>&1; then
            break
        fi
        port=""
    done
    [ -n "$port" ] || { cat "$dir/server.log" >&2 2>/dev/null || true; die "the server did not start"; }
    as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$superuser" "$DB_NAME"
    echo "WBE_PG_DIR=$dir"
    echo "WBE_PG_HOST=127.0.0.1"
    echo "WBE_PG_PORT=$port"
    echo "WBE_PG_USER=$superuser"
    echo "WBE_PG_DB=$DB_NAME"
}

stop() {
    dir="${1:-}"
    [ -n "$dir" ] && [ -d "$dir/data" ] || die "stop needs the WBE_PG_DIR that start printed"
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

status() {
    dir="${1:-}"
    [ -n "$dir" ] && [ -d "$dir/data" ] || die "status needs the WBE_PG_DIR that start printed"
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status
}

case "${1:-}" in
start) start ;;
stop) stop "${2:-}" ;;
status) status "${2:-}" ;;
*) die "usage: $0 start | stop <dir> | status <dir>" ;;
esac
