#!/usr/bin/env bash
# A three-node RabbitMQ cluster on one machine, beside the machine's own broker, for trying the
# system against a cluster (tests/reliability/test_cluster.py, `make test-cluster`).
#
#   deploy/rabbitmq-cluster.sh start DIR          start (or finish starting) the cluster kept in DIR
#   deploy/rabbitmq-cluster.sh stop DIR           stop its nodes
#   deploy/rabbitmq-cluster.sh status DIR         each node, and the cluster as node 1 sees it
#   deploy/rabbitmq-cluster.sh kill N DIR         kill -9 node N (1-3), as a crash would
#   deploy/rabbitmq-cluster.sh restart N DIR      start node N again; it rejoins the cluster
#
# Node N is guiyanN@localhost: AMQP on 127.0.0.1:568N, management on 1568N, Erlang distribution on
# 2568N; its data, logs, configuration and pid file are under DIR/nodeN, the shared Erlang cookie
# and the plugin list in DIR. Nodes 2 and 3 join node 1. The vhost `guiyan` has quorum queues by
# default; guest/guest may use it from this machine only (loopback_users). Every command is
# idempotent: `start` on a running cluster only checks it, `stop` on a stopped one does nothing.
#
# Nothing of the machine's own broker (rabbit@…, /etc/rabbitmq, /var/lib/rabbitmq) is read or
# touched: the nodes run from /usr/lib/rabbitmq/bin (Debian's /usr/sbin wrappers switch to the
# rabbitmq user and read /etc/rabbitmq), with an environment of their own, as the calling user.
set -euo pipefail
set -f  # the Erlang terms below contain braces and brackets, never globs

RABBITMQ_BIN=${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}
VHOST=guiyan
NODES=(1 2 3)
WAIT_SECONDS=${GUIYAN_CLUSTER_WAIT_SECONDS:-180}

usage() {
    sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
}

node_name() { echo "guiyan$1@localhost"; }

# NODE_ENV: the `env` command that runs a program in node $1's environment, nothing inherited
# and nothing read from /etc/rabbitmq.
node_env() {
    local n=$1 home=$DIR/node$1
    NODE_ENV=(env -i PATH="$PATH" HOME="$DIR" LANG=C.UTF-8 LC_ALL=C.UTF-8
        RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
        RABBITMQ_NODENAME="$(node_name "$n")"
        RABBITMQ_DIST_PORT="2568$n"
        RABBITMQ_CONFIG_FILE="$home/rabbitmq.conf"
        RABBITMQ_ADVANCED_CONFIG_FILE="$home/advanced.config"
        RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
        RABBITMQ_MNESIA_BASE="$home/mnesia"
        RABBITMQ_LOG_BASE="$home/log"
        RABBITMQ_PID_FILE="$home/pid"
        ERL_EPMD_ADDRESS=127.0.0.1
        ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}")
}

ctl() {
    local n=$1
    shift
    node_env "$n"
    "${NODE_ENV[@]}" "$RABBITMQ_BIN/rabbitmqctl" -n "$(node_name "$n")" "$@"
}

# The files every node reads; written once, so that a restarted node finds the same cookie.
write_files() {
    mkdir -p "$DIR"
    if [ ! -s "$DIR/.erlang.cookie" ]; then
        local cookie
        cookie=$(LC_ALL=C tr -dc A-Z </dev/urandom | head -c 32 || true)  # tr ends on SIGPIPE
        (umask 077 && printf '%s' "$cookie" >"$DIR/.erlang.cookie")
    fi
    chmod 400 "$DIR/.erlang.cookie"
    echo "# the nodes' environment is given by deploy/rabbitmq-cluster.sh" >"$DIR/rabbitmq-env.conf"
    echo "[rabbitmq_management]." >"$DIR/enabled_plugins"
    local n
    for n in "${NODES[@]}"; do
        mkdir -p "$DIR/node$n/mnesia" "$DIR/node$n/log"
        cat >"$DIR/node$n/rabbitmq.conf" <<EOF
listeners.tcp.local = 127.0.0.1:568$n
management.tcp.ip = 127.0.0.1
management.tcp.port = 1568$n
# guest/guest only from this machine (RabbitMQ's default, said here on purpose)
loopback_users.guest = true
# a node cut off from the others stops serving rather than diverge
cluster_partition_handling = pause_minority
log.file.level = info
log.console = false
EOF
    done
}

node_up() { ctl "$1" -q -t 5 ping >/dev/null 2>&1; }

launch() {
    local n=$1
    if node_up "$n"; then
        return
    fi
    echo "starting $(node_name "$n") (AMQP 568$n, management 1568$n)"
    node_env "$n"
    # setsid: the node outlives this script and is not signalled with its caller's process group;
    # every descriptor to the log, so that no pipe of the caller stays open while the node runs
    (cd "$DIR/node$n" && exec setsid "${NODE_ENV[@]}" "$RABBITMQ_BIN/rabbitmq-server") \
        >>"$DIR/node$n/log/console.log" 2>&1 </dev/null &
}

await() {
    local n=$1 deadline=$((SECONDS + WAIT_SECONDS))
    until ctl "$n" -q -t 10 await_startup >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            echo "$(node_name "$n") did not start in ${WAIT_SECONDS} s; see $DIR/node$n/log" >&2
            exit 1
        fi
        sleep 1
    done
}

in_cluster() { ctl 1 -q cluster_status --formatter json 2>/dev/null | grep -q "\"$(node_name "$1")\""; }

join() {
    local n=$1
    if in_cluster "$n"; then
        return
    fi
    echo "joining $(node_name "$n") to $(node_name 1)"
    ctl "$n" -q stop_app
    ctl "$n" -q join_cluster "$(node_name 1)"
    ctl "$n" -q start_app
}

set_up_vhost() {
    if ! ctl 1 -q list_vhosts name | grep -qx "$VHOST"; then
        ctl 1 -q add_vhost "$VHOST" --default-queue-type quorum \
            --description "Guiyan services: quorum queues by default"
    fi
    ctl 1 -q set_permissions -p "$VHOST" guest '.*' '.*' '.*'
    # A delay queue dead-letters a message back to its origin when its TTL ends; by default a
    # quorum queue does that at most once (lost if the origin has no leader at that moment).
    ctl 1 -q set_policy -p "$VHOST" --apply-to queues retries-dead-letter-at-least-once \
        '\.retry\.[0-9]+$' '{"dead-letter-strategy":"at-least-once","overflow":"reject-publish"}'
}

start() {
    write_files
    local n
    # all three at once: a node restarted from its data waits for the peer that stopped last
    for n in "${NODES[@]}"; do launch "$n"; done
    for n in "${NODES[@]}"; do await "$n"; done
    for n in 2 3; do join "$n"; done
    set_up_vhost
    status
}

stop_node() {
    local n=$1
    if node_up "$n"; then
        echo "stopping $(node_name "$n")"
        ctl "$n" -q shutdown >/dev/null 2>&1 || true
    fi
    local pid
    pid=$(cat "$DIR/node$n/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && is_our_node "$n" "$pid"; then
        kill -9 "$pid"  # it would not stop
    fi
}

# The pid file may be stale: the process must still be this node's runtime, started from DIR.
is_our_node() {
    tr '\0' '\n' <"/proc/$2/environ" 2>/dev/null | grep -qx "RABBITMQ_MNESIA_BASE=$DIR/node$1/mnesia"
}

stop() {
    [ -d "$DIR" ] || return 0
    local n
    for n in 3 2 1; do stop_node "$n"; done
}

kill_node() {
    local n=$1 pid
    pid=$(cat "$DIR/node$n/pid" 2>/dev/null || true)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || ! is_our_node "$n" "$pid"; then
        echo "$(node_name "$n") is not running" >&2
        return 0
    fi
    echo "killing $(node_name "$n") (pid $pid) with SIGKILL"
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

restart_node() {
    local n=$1
    write_files
    launch "$n"
    await "$n"
    in_cluster "$n" || { echo "$(node_name "$n") is up but not in the cluster" >&2; exit 1; }
}

status() {
    local n
    for n in "${NODES[@]}"; do
        if node_up "$n"; then
            echo "$(node_name "$n"): running (AMQP 127.0.0.1:568$n, management http://127.0.0.1:1568$n/)"
        else
            echo "$(node_name "$n"): not running"
        fi
    done
    for n in "${NODES[@]}"; do
        if node_up "$n"; then
            echo "as $(node_name "$n") sees it: $(ctl "$n" -q cluster_status --formatter json |
                grep -o '"running_nodes":\[[^]]*\]' || echo 'no cluster status')"
            echo "vhost and its default queue type: $(ctl "$n" -q list_vhosts name default_queue_type |
                grep "^$VHOST[[:space:]]" || echo "no vhost $VHOST yet")"
            return 0
        fi
    done
}

node_index() {
    case "${1:-}" in
        1 | 2 | 3) echo "$1" ;;
        *) echo "node index must be 1, 2 or 3" >&2; exit 64 ;;
    esac
}

command=${1:-}
case "$command" in
    start | stop | status)
        [ $# -eq 2 ] || usage
        DIR=$(realpath -m "$2")
        "$command"
        ;;
    kill | restart)
        [ $# -eq 3 ] || usage
        index=$(node_index "$2")
        DIR=$(realpath -m "$3")
        if [ "$command" = kill ]; then kill_node "$index"; else restart_node "$index"; fi
        ;;
    *) usage ;;
esac
