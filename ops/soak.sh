#!/usr/bin/env bash
# The reliability soak (issue 20, item 8) on this machine's RabbitMQ and PostgreSQL, started on loopback as
# ops/services.sh starts them: builds the CLI, then runs `acqseg soak` at nice 15 (the soak is a background load).
# Usage: bash ops/soak.sh [acqseg soak options], e.g. bash ops/soak.sh --frames 10000 --rate 12
# The figures it prints, and how to read them: docs/soak.md.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

source "$repo/ops/services.sh"
acqseg_start_rabbitmq
acqseg_start_postgres

dotnet build src/Cli/Cli.csproj -c Release -nologo -v q >&2
# services.sh exports amqp://user:pass@host:port/; `acqseg` takes the same broker as rabbitmq://.
bus="rabbitmq://${ACQSEG_RABBITMQ#amqp://}"
exec nice -n "${ACQSEG_SOAK_NICE:-15}" dotnet src/Cli/bin/Release/net10.0/acqseg.dll soak --bus "$bus" --db "$ACQSEG_POSTGRES" "$@"
