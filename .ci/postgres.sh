#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port, for tests and benchmarks.
#
#   .ci/postgres.sh start DIR [--durable]   prints the SQLAlchemy URL on stdout
#   .ci/postgres.sh stop DIR                stops the cluster and removes DIR
#
# Installs Debian's `postgresql` when no server binaries are found (needs root). Root
# cannot run postgres, so as root the cluster runs as the unprivileged `postgres` system
# user (made if missing). Test clusters skip fsync: their data dies with the run anyway;
# `--durable` keeps PostgreSQL's defaults, for benchmarks that should pay for commits as a
# deployment would.
set -euo pipefail

usage() { echo "usage: $0 start DIR [--durable] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
dir=$2
durable=0
[ "${3:-}" = "--durable" ] && durable=1

find_bindir() {  # the newest server whose initdb, pg_ctl and postgres are all present
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -rn) \
                   "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")"; do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/postgres" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

install_postgres() {
  if [ "$(id -u)" != 0 ]; then
    echo "no PostgreSQL server found; install Debian's postgresql package" >&2
    exit 1
  fi
  echo "installing PostgreSQL (Debian package postgresql)" >&2
  # We run our own clusters: keep the package from making and starting one of its own.
  mkdir -p /etc/postgresql-common
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
}

as_owner() {  # run a command as the cluster's owner
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local bindir port
  bindir=$(find_bindir) || { install_postgres; bindir=$(find_bindir); }
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin postgres
    chown postgres "$dir"
    chmod 755 "$dir"
    # The owner must be able to reach DIR (mktemp -d makes 0700 folders): let it traverse.
    local parent
    parent=$(dirname "$(realpath "$dir")")
    while ! runuser -u postgres -- test -x "$dir"; do
      chmod o+x "$parent"
      [ "$parent" = / ] && break
      parent=$(dirname "$parent")
    done
  fi
  port=$(free_port)
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$dir'"
    echo "max_connections = 400"
    echo "shared_buffers = 256MB"
    echo "logging_collector = off"
    if [ "$durable" = 0 ]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "$bindir" > "$dir/bindir"
  echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres" | tee "$dir/url"
}

stop() {
  [ -d "$dir" ] || return 0
  if [ -f "$dir/bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
