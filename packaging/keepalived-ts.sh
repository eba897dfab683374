#!/bin/sh
# keepalived-ts launcher, installed as /usr/sbin/keepalived-ts. The program is JavaScript for Node.js; the
# package does not bundle Node (see packaging/README.md), so this finds one that is new enough and execs it.
# exec keeps the process id: under systemd, Node itself is the unit's main process (Type=notify, $MAINPID).
set -e

# The program lives in ../lib/keepalived-ts beside this script's real location, so an unpacked package
# (dpkg-deb -x into any directory) runs from where it lies.
self=$(readlink -f -- "$0")
lib=$(dirname -- "$(dirname -- "$self")")/lib/keepalived-ts
main=$lib/dist/src/cli/main.js
if [ ! -f "$main" ]; then
  echo "keepalived-ts: $main is missing (is the package installed completely?)" >&2
  exit 1
fi

# KEEPALIVED_TS_NODE (e.g. from /etc/default/keepalived-ts) names the node binary; otherwise node on PATH.
node=${KEEPALIVED_TS_NODE:-}
if [ -z "$node" ]; then
  node=$(command -v node || true)
fi
if [ -z "$node" ] || [ ! -x "$node" ]; then
  echo "keepalived-ts: Node.js >= 20.11 is needed and no node was found${node:+ at $node} (PATH=$PATH);" \
    "install it or set KEEPALIVED_TS_NODE in /etc/default/keepalived-ts" >&2
  exit 1
fi

# Node's own --version exits before starting JavaScript, so this check costs a few milliseconds.
version=$("$node" --version 2>/dev/null || true)
major=${version#v}; major=${major%%.*}
minor=${version#v*.}; minor=${minor%%.*}
case "$major$minor" in
  ''|*[!0-9]*) major=0; minor=0 ;;
esac
if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 11 ]; }; then
  echo "keepalived-ts: Node.js >= 20.11 is needed, but $node is ${version:-of unknown version};" \
    "install a newer one or set KEEPALIVED_TS_NODE in /etc/default/keepalived-ts" >&2
  exit 1
fi

exec "$node" "$main" "$@"
