#!/usr/bin/env bash
# The one-machine PostgreSQL: a real server from the machine's binaries, initialised once into
# the repo's git-ignored .local/postgres/data and run on its own loopback port, so tests and
# `npm start` never touch a system cluster. See ARCHITECTURE.md section 3.
#
# Exit codes: 0 ok; 1 error (with a message saying what to fix); 2 usage;
# 3 no PostgreSQL server binaries (callers fall back to embedded PGlite).
set -euo pipefail

readonly EXIT_NO_BINARIES=3

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
# shellcheck source=../lib.sh
source "$repo_root/local/lib.sh"
readonly state_dir="$repo_root/.local/postgres"
readonly data_dir="$state_dir/data"
readonly socket_dir="$state_dir/run"
readonly log_file="$state_dir/postgres.log"
readonly lock_file="$repo_root/.local/postgres.lock"
readonly port="${PG_PORT:-15432}"
readonly db_user="ecom"
readonly db_name="ecom"
readonly url="postgres://${db_user}@127.0.0.1:${port}/${db_name}"

say() { printf '[postgres] %s\n' "$*"; }
die() { printf '[postgres] error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<EOF
Usage: bash local/postgres/postgres.sh <start|stop|status|url|--help>

  start   initdb once into .local/postgres/data, start the server on 127.0.0.1:${port},
          create database '${db_name}' (idempotent: reuses a running server)
  stop    stop the server (fast shutdown)
  status  print whether it runs (exit 0 running, 1 stopped)
  url     print the connection URL: ${url}

Environment:
  DATABASE_URL  when set, that database is used and nothing is started
  PG_PORT       port to listen on (default 15432)
  PG_BIN        directory holding initdb, postgres, pg_ctl (default: newest
                /usr/lib/postgresql/<version>/bin, else \`pg_config --bindir\`)
  PG_OS_USER    when run as root: the unprivileged OS user that runs the server
                (default: 'postgres' if it exists, else 'ecom-pg', created on demand)

Exit code ${EXIT_NO_BINARIES}: no server binaries found; the services then use embedded PGlite.
EOF
}

# --- server binaries ---------------------------------------------------------------------

has_server_bins() { [[ -x "$1/initdb" && -x "$1/postgres" && -x "$1/pg_ctl" ]]; }

find_bin_dir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if has_server_bins "$dir"; then echo "$dir"; return; fi
  done
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [[ -n "$dir" ]] && has_server_bins "$dir"; then echo "$dir"; return; fi
  fi
}

require_bin_dir() {
  if [[ -n "${PG_BIN:-}" ]]; then
    # An explicit setting that is wrong is a mistake to fix, not a reason to fall back quietly.
    has_server_bins "$PG_BIN" || die "PG_BIN=$PG_BIN does not contain initdb, postgres and pg_ctl"
    bin_dir="$PG_BIN"
    return
  fi
  bin_dir="$(find_bin_dir)"
  if [[ -z "$bin_dir" ]]; then
    say "no PostgreSQL server binaries found (looked at PG_BIN, /usr/lib/postgresql/*/bin, pg_config --bindir)."
    say "The services will fall back to embedded PGlite (no server needed)."
    say "For a real server: sudo apt-get install postgresql   (or set PG_BIN to a bin dir with initdb/postgres/pg_ctl)"
    exit "$EXIT_NO_BINARIES"
  fi
}

# psql for the createdb step: the one beside the server, else any on PATH.
psql_cmd() {
  if [[ -x "$bin_dir/psql" ]]; then echo "$bin_dir/psql"
  elif command -v psql >/dev/null 2>&1; then command -v psql
  else die "psql not found in $bin_dir or on PATH (apt-get install postgresql-client)"
  fi
}

# --- who runs the server -----------------------------------------------------------------
# initdb and postgres refuse to run as root, so as root they run as an unprivileged user that
# owns .local/postgres; as anyone else they run as the caller.

os_user=""

pick_os_user() {
  if [[ "$(id -u)" -ne 0 ]]; then return; fi
  if [[ -n "${PG_OS_USER:-}" ]]; then os_user="$PG_OS_USER"
  elif id -u postgres >/dev/null 2>&1; then os_user="postgres"
  else os_user="ecom-pg"
  fi
  if ! id -u "$os_user" >/dev/null 2>&1; then
    say "running as root: creating system user '$os_user' to run the server (initdb refuses root)"
    command -v useradd >/dev/null 2>&1 || die "useradd not found; create an unprivileged user and set PG_OS_USER"
    useradd --system --no-create-home --home-dir "$state_dir" --shell /usr/sbin/nologin "$os_user" \
      || die "could not create user '$os_user'; create an unprivileged user and set PG_OS_USER"
  fi
}

# Runs a command as the server's OS user (or directly when not root).
as_pg() {
  if [[ -z "$os_user" ]]; then "$@"; return; fi
  if command -v runuser >/dev/null 2>&1; then
    runuser -u "$os_user" -- "$@"
  else
    su -s /bin/sh "$os_user" -c "$(printf '%q ' "$@")"
  fi
}

prepare_dirs() {
  mkdir -p "$state_dir" "$socket_dir"
  if [[ -n "$os_user" ]]; then
    chown "$os_user" "$state_dir" "$socket_dir"
    [[ -d "$data_dir" ]] && chown -R "$os_user" "$data_dir"
    [[ -e "$log_file" ]] && chown "$os_user" "$log_file"
    as_pg test -w "$state_dir" \
      || die "user '$os_user' cannot reach $state_dir (a parent directory is not traversable); move the repo or set PG_OS_USER"
  elif [[ -d "$data_dir" && ! -O "$data_dir" ]]; then
    die "$data_dir belongs to $(stat -c %U "$data_dir"), not $(id -un); run as that user or root, or remove $state_dir"
  fi
  return 0
}

# --- server state ------------------------------------------------------------------------

is_running() { [[ -f "$data_dir/PG_VERSION" ]] && as_pg "$bin_dir/pg_ctl" status -D "$data_dir" >/dev/null 2>&1; }

# Line 4 of postmaster.pid is the port the running server listens on.
running_port() { sed -n 4p "$data_dir/postmaster.pid" 2>/dev/null || true; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

init_cluster() {
  local bin_version
  bin_version="$("$bin_dir/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')"
  if [[ -f "$data_dir/PG_VERSION" ]]; then
    local data_version
    data_version="$(cat "$data_dir/PG_VERSION")"
    [[ "$data_version" == "$bin_version" ]] \
      || die "$data_dir was created by PostgreSQL $data_version but the binaries in $bin_dir are $bin_version; stop it and remove $state_dir (it holds only local test data) or set PG_BIN"
    return
  fi
  # A data dir without PG_VERSION is a half-finished initdb from an earlier, interrupted run.
  [[ -d "$data_dir" ]] && { say "removing incomplete data dir $data_dir"; rm -rf "$data_dir"; }
  say "initdb (PostgreSQL $bin_version) into $data_dir, superuser '$db_user'"
  # Trust auth is fine here: the server listens on loopback only and holds local test data.
  as_pg "$bin_dir/initdb" -D "$data_dir" -U "$db_user" --auth=trust --encoding=UTF8 --locale=C \
    >"$state_dir/initdb.log" 2>&1 \
    || { cat "$state_dir/initdb.log" >&2; die "initdb failed (log above, also in $state_dir/initdb.log)"; }
  echo "include_if_exists = 'ecom-local.conf'" | as_pg tee -a "$data_dir/postgresql.conf" >/dev/null
}

# Statement counters for npm run bench:saga (statements and their time per order), a small cost;
# only where the contrib module is installed (a server that cannot load it would not start).
stat_statements_conf() {
  if [[ -f "$bin_dir/../lib/pg_stat_statements.so" ]]; then
    printf '%s\n' "shared_preload_libraries = 'pg_stat_statements'" 'pg_stat_statements.track = top'
  fi
}

# Rewritten on every start so PG_PORT changes apply without a new initdb.
write_local_conf() {
  local sockets="$socket_dir"
  # Unix socket paths are limited to ~107 bytes; everything here connects over TCP anyway.
  (( ${#socket_dir} + 20 > 107 )) && sockets=""
  as_pg tee "$data_dir/ecom-local.conf" >/dev/null <<EOF
# Written by local/postgres/postgres.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '${sockets//\'/\'\'}'
max_connections = 200
# fsync stays on so a crash never corrupts the cluster. synchronous_commit = off only lets a
# crash lose the last few hundred milliseconds of commits, never consistency: a fair trade for
# a throwaway local/test database where commit latency dominates test time. Never in production.
synchronous_commit = off
# Tests run many short queries; JIT compilation only adds latency to them.
jit = off
$(stat_statements_conf)
log_line_prefix = '%m [%p] %d '
EOF
}

create_database() {
  local psql exists
  psql="$(psql_cmd)"
  exists="$("$psql" -h 127.0.0.1 -p "$port" -U "$db_user" -d postgres -XtAc \
    "SELECT 1 FROM pg_database WHERE datname = '$db_name'")" \
    || die "cannot connect to 127.0.0.1:$port as '$db_user' (see $log_file)"
  if [[ "$exists" != "1" ]]; then
    say "creating database '$db_name'"
    "$psql" -h 127.0.0.1 -p "$port" -U "$db_user" -d postgres -Xqc "CREATE DATABASE $db_name" >/dev/null
  fi
}

wait_ready() {
  local i
  printf '[postgres] waiting for 127.0.0.1:%s to accept connections ' "$port"
  for ((i = 0; i < 60; i++)); do
    if "$bin_dir/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U "$db_user" 2>/dev/null; then
      echo " ready"; return
    fi
    printf '.'; sleep 0.5
  done
  echo
  tail -n 20 "$log_file" >&2 || true
  die "server did not become ready within 30 s (log above, full log in $log_file)"
}

# --- subcommands -------------------------------------------------------------------------

cmd_start() {
  require_bin_dir
  pick_os_user
  prepare_dirs
  if is_running; then
    local actual
    actual="$(running_port)"
    [[ "$actual" == "$port" ]] \
      || die "the server in $data_dir already runs on port $actual, not PG_PORT=$port; stop it first"
    say "already running (pid $(head -n1 "$data_dir/postmaster.pid")), reusing it"
  else
    init_cluster
    port_taken && die "port $port on 127.0.0.1 is used by another process; set PG_PORT to a free port"
    write_local_conf
    say "starting PostgreSQL from $bin_dir on 127.0.0.1:$port${os_user:+ as user '$os_user'} (log: $log_file)"
    # The server must not inherit our descriptors (the flock fd above), or it would hold the lock for its lifetime.
    (without_inherited_fds as_pg "$bin_dir/pg_ctl" start -D "$data_dir" -l "$log_file" -w -t 60 >/dev/null) \
      || { tail -n 20 "$log_file" >&2 || true; die "pg_ctl start failed (log above, full log in $log_file)"; }
  fi
  wait_ready
  create_database
  say "ready: $url"
}

cmd_stop() {
  require_bin_dir
  pick_os_user
  if ! is_running; then say "not running"; return; fi
  say "stopping (fast shutdown)"
  as_pg "$bin_dir/pg_ctl" stop -D "$data_dir" -m fast -w -t 60 >/dev/null \
    || die "pg_ctl stop failed; see $log_file"
  say "stopped"
}

cmd_status() {
  require_bin_dir
  pick_os_user
  if is_running; then
    say "running (pid $(head -n1 "$data_dir/postmaster.pid"), port $(running_port), data $data_dir): $url"
  else
    say "stopped (data $data_dir)"
    exit 1
  fi
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    -h | --help | help) usage; return ;;
    start | stop | status | url) ;;
    *) usage >&2; exit 2 ;;
  esac
  if [[ -n "${DATABASE_URL:-}" ]]; then
    # An external database is the caller's to manage: report it, never start or stop anything.
    if [[ "$cmd" == "url" ]]; then echo "$DATABASE_URL"
    else say "DATABASE_URL is set; using that database, nothing to $cmd here"
    fi
    return
  fi
  if [[ "$cmd" == "url" ]]; then echo "$url"; return; fi

  # Serialise concurrent invocations (parallel test runs calling start at once).
  mkdir -p "$repo_root/.local"
  exec 9>"$lock_file"
  flock -w 120 9 || die "another postgres.sh run has held $lock_file for 2 minutes; is one stuck?"
  "cmd_$cmd"
}

main "$@"
