# tests/cli/pg_lib.sh — a real PostgreSQL server for the tests (sourced after lib.sh, not run).
# start_pg: initdb and pg_ctl from /usr/lib/postgresql/*/bin (not on PATH) in a temporary directory;
# no TCP port (listen_addresses=''), the socket in that directory. initdb refuses root: as root the
# server runs as user postgres, in a directory that user owns. Two roles: attsuper (the superuser,
# trusted on the socket) and attpw (password "$PGPW", scram-sha-256 required by pg_hba.conf), and
# the database attdb, where attpw writes to its schema pw (its search_path). Sets PGSOCK (the socket directory), DB (a URI for attsuper), DBPW (a URI for
# attpw, no password in it); psql_q SQL runs a query as attsuper (unaligned, tuples only).
# The server is stopped when the test ends. A server that cannot start is a failure (exit 1).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGW=""
PGPW="s3cret-pw-Zq9"
PGRUN=""

pg_as() {   # runs a command as the server's user, in the server's directory (readable by it)
    if [ -z "$PGRUN" ]; then
        (cd "$PGW" && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd "$PGW" && runuser -u "$PGRUN" -- "$@")
    else
        # shellcheck disable=SC2016
        (cd "$PGW" && su -s /bin/sh -c '"$0" "$@"' "$PGRUN" -- "$@")
    fi
}

stop_pg() {
    if [ -n "$PGW" ] && [ -f "$PGW/data/postmaster.pid" ]; then
        pg_as "$PGBIN/pg_ctl" -D "$PGW/data" -m immediate -w stop >/dev/null 2>&1
    fi
    [ -n "$PGW" ] && rm -rf "$PGW"
    PGW=""
}

pg_fail() {
    echo "not ok - the PostgreSQL server cannot start: $1"
    [ -n "$PGW" ] && [ -f "$PGW/log" ] && sed 's/^/# /' "$PGW/log" | tail -20
    [ -n "$PGW" ] && [ -f "$PGW/initdb.log" ] && sed 's/^/# /' "$PGW/initdb.log" | tail -20
    exit 1
}

start_pg() {
    [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || pg_fail "no initdb under /usr/lib/postgresql/*/bin (make deps installs postgresql)"
    PGW=$(mktemp -d /tmp/att-pg.XXXXXX) || pg_fail "mktemp"
    trap 'stop_pg; cleanup' EXIT
    trap 'stop_pg; cleanup; exit 1' INT TERM
    if [ "$(id -u)" -eq 0 ]; then
        PGRUN=postgres
        id postgres >/dev/null 2>&1 || pg_fail "running as root and there is no user postgres"
        chown postgres "$PGW" || pg_fail "chown"
    fi
    chmod 700 "$PGW"
    pg_as "$PGBIN/initdb" -D "$PGW/data" -U attsuper -A trust -E UTF8 --locale=C.UTF-8 \
        >"$PGW/initdb.log" 2>&1 || pg_fail "initdb failed"
    cat >>"$PGW/data/postgresql.conf" <<PGCONF_END
listen_addresses = ''
unix_socket_directories = '$PGW'
fsync = off
password_encryption = 'scram-sha-256'
PGCONF_END
    printf 'local all attpw scram-sha-256\nlocal all all trust\n' >"$PGW/data/pg_hba.conf"
    pg_as "$PGBIN/pg_ctl" -D "$PGW/data" -l "$PGW/log" -w -t 60 start >/dev/null 2>&1 || pg_fail "pg_ctl start failed"
    PGSOCK=$PGW
    DB="postgresql:///attdb?host=$PGSOCK&user=attsuper"
    DBPW="postgresql:///attdb?host=$PGSOCK&user=attpw"
    psql -X -q -h "$PGSOCK" -U attsuper -d postgres -c "CREATE DATABASE attdb" >/dev/null 2>"$PGW/psql.err" ||
        pg_fail "CREATE DATABASE: $(cat "$PGW/psql.err")"
    psql_q "CREATE ROLE attpw LOGIN PASSWORD '$PGPW'; CREATE SCHEMA pw AUTHORIZATION attpw;
        ALTER ROLE attpw SET search_path = pw" >/dev/null ||
        pg_fail "CREATE ROLE"
}

psql_q() {   # psql_q SQL: the result as attsuper, unaligned, tuples only, fields separated by |
    psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGSOCK" -U attsuper -d attdb -c "$1"
}
