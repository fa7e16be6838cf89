#!/usr/bin/env bash
# Installs (Debian packages, when missing) and starts the servers the integration tests use, all bound to 127.0.0.1,
# and exports where they listen. Sourced by ops/test.sh; safe to source again (running servers are reused).
#   ACQSEG_RABBITMQ  amqp://acqseg:acqseg@127.0.0.1:5672/
#   ACQSEG_POSTGRES  Host=127.0.0.1;Port=5432;Username=acqseg;Password=acqseg;Database=acqseg_test
#   ACQSEG_PROMETHEUS_BIN  the Prometheus server binary: each integration test starts its own server with a generated
#                    config scraping the port that test's service listens on (no shared scrape config to keep in step)

acqseg_apt_install() {
  local missing=()
  command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
  command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
  command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
  # The review UI's browser tests drive Debian's Chromium (Playwright never downloads a browser).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # `kubectl kustomize ops/k8s` renders the Kubernetes manifests for their test (Debian's kubectl 1.20).
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "services: installing ${missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

acqseg_start_rabbitmq() {
  export RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  if ! rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; then
    # Debian's package may have started a node on all interfaces at install time; stop it so ours binds to loopback.
    service rabbitmq-server stop >/dev/null 2>&1 || true
    (rabbitmq-server >/tmp/acqseg-rabbitmq.log 2>&1 &)
    for _ in $(seq 1 60); do
      rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1 && break
      sleep 1
    done
  fi
  rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1 || { echo "services: RabbitMQ did not start (see /tmp/acqseg-rabbitmq.log)" >&2; return 1; }
  rabbitmqctl -q add_user acqseg acqseg >/dev/null 2>&1 || true
  rabbitmqctl -q set_permissions -p / acqseg '.*' '.*' '.*' >/dev/null
  export ACQSEG_RABBITMQ="amqp://acqseg:acqseg@127.0.0.1:5672/"
}

acqseg_start_postgres() {
  local conf=/etc/postgresql/15/main/postgresql.conf
  grep -q "^listen_addresses = '127.0.0.1'" "$conf" || echo "listen_addresses = '127.0.0.1'" >> "$conf"
  pg_ctlcluster 15 main start >/dev/null 2>&1 || pg_ctlcluster 15 main status >/dev/null 2>&1 || { echo "services: PostgreSQL did not start" >&2; return 1; }
  for _ in $(seq 1 30); do su postgres -c "pg_isready -q -h 127.0.0.1" && break; sleep 1; done
  su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname='acqseg'\" | grep -q 1 || psql -q -c \"CREATE ROLE acqseg LOGIN PASSWORD 'acqseg' CREATEDB\"" >/dev/null
  su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='acqseg_test'\" | grep -q 1 || createdb -O acqseg acqseg_test" >/dev/null
  export ACQSEG_POSTGRES="Host=127.0.0.1;Port=5432;Username=acqseg;Password=acqseg;Database=acqseg_test"
}

acqseg_find_prometheus() {
  local bin
  bin="$(command -v prometheus)" || { echo "services: the prometheus binary is missing (apt-get install prometheus)" >&2; return 1; }
  # The Debian package may start its own server on :9090 at install; the tests do not use it.
  export ACQSEG_PROMETHEUS_BIN="$bin"
}

acqseg_start_services() {
  acqseg_apt_install
  acqseg_start_rabbitmq
  acqseg_start_postgres
  acqseg_find_prometheus
}
