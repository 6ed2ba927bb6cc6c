#!/bin/bash
# Runs the award-and-spend ledger stream against jubiand, PostgreSQL and Redis on this
# machine, in one run, and prints each peer's rate and the engine's ratio to it.
#
#   bench/peers/run.sh [BUILD_DIR]        (default BUILD_DIR: build)
#
# The stream runs over 10,000 accounts and records a movement for every command. Half of
# it is awards: 50,000 points from the issuance account to a user account. The other
# half is spends: 10 points from a user account to revenue, when the balance covers it.
#   jubiand     sync durability (fdatasync before acknowledging), 16 connections, 64 deep
#   PostgreSQL  synchronous_commit=on, 16 pgbench clients: one transaction per command,
#               then 64 commands per transaction
#   Redis       appendonly yes, appendfsync always, 16 connections pipelined 64 deep,
#               one Lua script per command
# Environment: COMMANDS (jubiand and Redis, default 1000000), PG_SECONDS (default 10).
# Every server is started here on 127.0.0.1 on a free port in a temporary directory and
# stopped by its pid at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
BIN=$BUILD/bin
COMMANDS=${COMMANDS:-1000000}
PG_SECONDS=${PG_SECONDS:-10}
ACCOUNTS=10000
CLIENTS=16
DEPTH=64

for program in jubiand jubian-ledger-load; do
  [[ -x $BIN/$program ]] || { echo "run.sh: $BIN/$program is missing; build it: ninja -C $BUILD $program" >&2; exit 2; }
done
if ! command -v redis-server > /dev/null || ! command -v redis-benchmark > /dev/null || ! ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
  echo "run.sh: installing postgresql and redis-server from Debian" >&2
  apt-get update -qq && apt-get install -y postgresql redis-server redis-tools > /dev/null
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

WORK=$(mktemp -d /tmp/jubian-peers-XXXXXX)
PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2> /dev/null || true; done
  for pid in "${PIDS[@]}"; do while kill -0 "$pid" 2> /dev/null; do sleep 0.1; done; done
  rm -rf "$WORK"
}
trap stop_all EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rate_of() { python3 -c "import json,sys; print(round(json.loads(sys.argv[1])['commands_per_second']))" "$1"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.1f}')" "$1" "$2"; }

# --- jubiand -------------------------------------------------------------------------
ACCOUNT_LIST=$("$BIN/jubian-ledger-load" --port 1 --admin-token x --trader-token x --accounts $ACCOUNTS --print-accounts)
printf '[[tokens]]\ntoken = "peers-admin"\nrole = "admin"\n\n[[tokens]]\ntoken = "peers-trader"\nrole = "trader"\naccounts = [%s]\n' \
  "$ACCOUNT_LIST" > "$WORK/tokens.toml"
"$BIN/jubiand" --config "$WORK/tokens.toml" --port 0 --metrics-port -1 --data-dir "$WORK/jubian" \
  --rules "$ROOT/config/rules.toml" --categories "$ROOT/config/categories.tsv" --log-level warn \
  > "$WORK/jubiand.out" 2> "$WORK/jubiand.err" &
PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$WORK/jubiand.out" && break; sleep 0.1; done
JUBIAN_PORT=$(sed -n 's/.*port=\([0-9]*\) .*/\1/p' "$WORK/jubiand.out")
ENGINE_JSON=$("$BIN/jubian-ledger-load" --port "$JUBIAN_PORT" --admin-token peers-admin --trader-token peers-trader \
  --accounts $ACCOUNTS --commands "$COMMANDS" --connections $CLIENTS --depth $DEPTH)
ENGINE=$(rate_of "$ENGINE_JSON")
echo "jubiand (sync, $CLIENTS connections x $DEPTH deep): $ENGINE commands/s  $ENGINE_JSON"

# --- Redis ---------------------------------------------------------------------------
REDIS_PORT=$(free_port)
mkdir -p "$WORK/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes --appendfsync always \
  --save "" --daemonize no --logfile "$WORK/redis/log" &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1 && break; sleep 0.1; done
AWARD_LUA="redis.call('HINCRBY', KEYS[1], ARGV[1], 50000) redis.call('HINCRBY', KEYS[1], 'issuance', -50000) redis.call('RPUSH', 'movements', ARGV[1]) return 1"
SPEND_LUA="local b = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') if b < 10 then return 0 end redis.call('HINCRBY', KEYS[1], ARGV[1], -10) redis.call('HINCRBY', KEYS[1], 'revenue', 10) redis.call('RPUSH', 'movements', ARGV[1]) return 1"
redis_rate() {
  redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c $CLIENTS -P $DEPTH -n $((COMMANDS / 2)) -r $ACCOUNTS --csv \
    EVAL "$1" 1 balances acct:__rand_int__ | tail -1 | python3 -c 'import csv, sys; print(next(csv.reader(sys.stdin))[1])'
}
REDIS_AWARD=$(redis_rate "$AWARD_LUA")
REDIS_SPEND=$(redis_rate "$SPEND_LUA")
REDIS=$(python3 -c "import sys; a, s = map(float, sys.argv[1:]); print(round(2 / (1 / a + 1 / s)))" "$REDIS_AWARD" "$REDIS_SPEND")
echo "Redis (appendfsync always, $CLIENTS connections x $DEPTH pipelined): $REDIS commands/s (award $REDIS_AWARD, spend $REDIS_SPEND)"

# --- PostgreSQL ----------------------------------------------------------------------
PG_PORT=$(free_port)
mkdir -p "$WORK/pg" "$WORK/pgsock"
chown postgres "$WORK" "$WORK/pg" "$WORK/pgsock"
runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres -A trust > "$WORK/pg/initdb.log"
runuser -u postgres -- "$PG_BIN/postgres" -D "$WORK/pg/data" -p "$PG_PORT" -k "$WORK/pgsock" \
  -c listen_addresses=127.0.0.1 -c synchronous_commit=on -c fsync=on -c max_connections=64 > "$WORK/pg/log" 2>&1 &
for _ in $(seq 100); do runuser -u postgres -- psql -h "$WORK/pgsock" -p "$PG_PORT" -U postgres -c 'select 1' > /dev/null 2>&1 && break; sleep 0.2; done
# The postmaster's own pid, not runuser's: SIGINT to it is PostgreSQL's fast shutdown.
PIDS+=("$(head -1 "$WORK/pg/data/postmaster.pid")")
PSQL=(runuser -u postgres -- psql -q -h "$WORK/pgsock" -p "$PG_PORT" -U postgres)
"${PSQL[@]}" -c "create database bench"
"${PSQL[@]}" -d bench -c "create table accounts (id bigint primary key, balance bigint not null);
  create table movements (id bigserial primary key, account bigint not null, counterparty bigint not null, amount bigint not null);
  insert into accounts select g, 0 from generate_series(-1, $ACCOUNTS) g;"

AWARD_SQL='UPDATE accounts SET balance = balance + 50000 WHERE id = :a;
UPDATE accounts SET balance = balance - 50000 WHERE id = 0;
INSERT INTO movements (account, counterparty, amount) VALUES (:a, 0, 50000);'
SPEND_SQL='UPDATE accounts SET balance = balance - 10 WHERE id = :a AND balance >= 10;
UPDATE accounts SET balance = balance + 10 WHERE id = -1;
INSERT INTO movements (account, counterparty, amount) VALUES (:a, -1, 10);'
{ echo '\set a random(1, '$ACCOUNTS')'; echo 'BEGIN;'; echo "$AWARD_SQL"; echo 'COMMIT;'; } > "$WORK/award.sql"
{ echo '\set a random(1, '$ACCOUNTS')'; echo 'BEGIN;'; echo "$SPEND_SQL"; echo 'COMMIT;'; } > "$WORK/spend.sql"
{
  echo '\set a random(1, '$ACCOUNTS')'
  echo 'BEGIN;'
  for _ in $(seq $((DEPTH / 2))); do echo "$AWARD_SQL"; echo "$SPEND_SQL"; done
  echo 'COMMIT;'
} > "$WORK/batch.sql"
chown postgres "$WORK"/*.sql
pg_tps() {
  runuser -u postgres -- pgbench -n -h "$WORK/pgsock" -p "$PG_PORT" -U postgres -c $CLIENTS -j 2 -T "$PG_SECONDS" "$@" bench \
    | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
PG_TXN=$(pg_tps -f "$WORK/award.sql@1" -f "$WORK/spend.sql@1" | cut -d. -f1)
PG_BATCH_TPS=$(pg_tps -f "$WORK/batch.sql")
PG_BATCH=$(python3 -c "import sys; print(round(float(sys.argv[1]) * $DEPTH))" "$PG_BATCH_TPS")
echo "PostgreSQL (synchronous_commit=on, $CLIENTS clients), one transaction per command: $PG_TXN commands/s"
echo "PostgreSQL (synchronous_commit=on, $CLIENTS clients), $DEPTH commands per transaction: $PG_BATCH commands/s"

echo "ratio jubiand/Redis: $(ratio "$ENGINE" "$REDIS")"
echo "ratio jubiand/PostgreSQL (one transaction per command): $(ratio "$ENGINE" "$PG_TXN")"
echo "ratio jubiand/PostgreSQL ($DEPTH commands per transaction): $(ratio "$ENGINE" "$PG_BATCH")"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(date -u +%Y-%m-%dT%H:%MZ)"
