#!/usr/bin/env bash
# Builds Docker Compose (the real `docker compose`, github.com/docker/compose) from the Go module
# proxy, so test/unit/compose-config.test.ts can run `docker compose config` on docker-compose.yml
# where no Docker engine or Compose plugin is installed. `config` parses, interpolates and
# validates the file against the Compose schema without talking to an engine.
# Idempotent: does nothing when the binary of the pinned version is already there.
# Usage: test/go/setup-compose.sh
#   STREAMFIT_COMPOSE_BIN  where the binary goes (default: .tools/docker-compose in the repository
#                          root; the test reads the same variable)
set -euo pipefail
version=v5.6.0 # the newest release that builds with the machine's Go 1.26
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${STREAMFIT_COMPOSE_BIN:-$here/../../.tools/docker-compose}"

if [[ -x "$bin" && "$("$bin" version --short 2>/dev/null)" == "${version#v}" ]]; then
  echo "docker compose ready: $bin"
  exit 0
fi
command -v go >/dev/null || { echo "setup-compose: needs Go (1.26) on the PATH" >&2; exit 1; }
started=$SECONDS
# `go install module/cmd@version` refuses a module whose go.mod has exclude directives (Compose's
# has), so build inside a copy of the module, where its go.mod is the main module's.
src="$(go mod download -json "github.com/docker/compose/v5@$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src/." "$work"
chmod -R u+w "$work"
mkdir -p "$(dirname "$bin")"
(cd "$work" && go build -trimpath -ldflags "-X github.com/docker/compose/v5/internal.Version=$version" -o "$bin" ./cmd)
echo "docker compose $("$bin" version --short) built in $((SECONDS - started)) s: $bin"
