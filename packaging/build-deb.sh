#!/usr/bin/env bash
# Builds the Debian package of keepalived-ts from this tree as it is: the compiled program (dist/, so run
# `npm run build` first — `npm run package:deb` does), the native addon node-gyp built at `npm ci`, and the
# production node_modules. Usage: packaging/build-deb.sh [OUTDIR]   (default ./dist-pkg); prints the .deb path.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist-pkg}
mkdir -p "$out"
out=$(cd "$out" && pwd)

die() { echo "build-deb: $*" >&2; exit 1; }
for f in dist/src/cli/main.js build/Release/raw_socket.node package.json package-lock.json node_modules; do
  [ -e "$f" ] || die "$f is missing (run npm ci and npm run build first)"
done
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (Debian package dpkg)"

name=keepalived-ts
version=$(node -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
# The prebuilt binaries of the netlink package are per Node architecture; keep only ours.
node_arch=$(node -p 'process.platform + "-" + process.arch')

stage=$(mktemp -d "${TMPDIR:-/tmp}/keepalived-ts-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
lib=$root/usr/lib/$name
mkdir -p "$lib/build/Release" "$root/usr/sbin" "$root/lib/systemd/system" "$root/etc/default" \
  "$root/usr/share/man/man8" "$root/usr/share/doc/$name" "$root/DEBIAN"

# The program: dist/src and dist/grammar without the UML lab harness and without source maps (the .ts
# sources they point to are not shipped).
mkdir -p "$lib/dist"
tar -C dist --exclude='*.map' --exclude='./src/lab' -cf - ./src ./grammar | tar -C "$lib/dist" -xf -
install -m 0644 package.json "$lib/package.json"
install -m 0644 build/Release/raw_socket.node "$lib/build/Release/raw_socket.node"

# Production dependencies, exactly as `npm ci --omit=dev` would lay them out: every package-lock entry not
# marked dev, copied from the installed tree (each without its own nested node_modules, which are entries
# of their own). Copying beats a fresh npm ci: no network, no rebuild of native code.
node -e '
  const lock = require("./package-lock.json");
  const fs = require("node:fs");
  for (const [path, p] of Object.entries(lock.packages)) {
    if (path === "" || p.dev || p.link) continue;
    // an optional dependency that was not installed (another platform) is fine to miss
    if (p.optional && !fs.existsSync(path)) continue;
    console.log(path);
  }' > "$stage/prod.list"
while IFS= read -r dir; do
  [ -d "$dir" ] || die "$dir is missing (run npm ci)"
  mkdir -p "$lib/$dir"
  tar -C "$dir" --exclude=./node_modules -cf - . | tar -C "$lib/$dir" -xf -
done < "$stage/prod.list"
if [ -d "$lib/node_modules/netlink/prebuilds" ]; then
  find "$lib/node_modules/netlink/prebuilds" -mindepth 1 -maxdepth 1 ! -name "$node_arch" -exec rm -rf {} +
fi

install -m 0755 packaging/keepalived-ts.sh "$root/usr/sbin/$name"
install -m 0644 packaging/keepalived-ts.service "$root/lib/systemd/system/$name.service"
install -m 0644 packaging/default "$root/etc/default/$name"
gzip -9n < packaging/keepalived-ts.8 > "$root/usr/share/man/man8/$name.8.gz"
install -m 0644 packaging/README.md "$root/usr/share/doc/$name/README.packaging.md"

# Normalise modes: npm tarballs carry whatever their authors had.
find "$root" -type d -exec chmod 0755 {} +
find "$lib" -type f -exec chmod go-w {} +

cat > "$root/DEBIAN/conffiles" <<EOF
/etc/default/$name
EOF

# Maintainer scripts: the unit is not enabled or started on install (starting it would stop a running
# keepalived through Conflicts=); systemd is told about the unit file, and on removal the service stops.
cat > "$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
EOF
cat > "$root/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ]; then
  if [ -d /run/systemd/system ]; then
    systemctl stop keepalived-ts.service || true
  fi
  systemctl --no-reload disable keepalived-ts.service >/dev/null 2>&1 || true
fi
EOF
cat > "$root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if { [ "$1" = remove ] || [ "$1" = purge ]; } && [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
description="keepalived-compatible VRRP and IPVS control plane (Node.js)"
# Node.js is not a Depends: Debian 12 ships Node 18, and Node 20 often comes from elsewhere (NodeSource's
# nodejs package satisfies the Recommends; a /usr/local or nvm install does not and needs none).
cat > "$root/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: ${DEB_MAINTAINER:-keepalived-ts developers <keepalived-ts@localhost>}
Installed-Size: $size
Depends: libc6, libstdc++6, libgcc-s1, iproute2
Recommends: nodejs (>= 20.11), ipvsadm, nftables
Section: net
Priority: optional
Description: $description
 keepalived-ts reads keepalived 2.2.7 configuration files and runs VRRP and
 IPVS health checking with keepalived's behaviour and log lines. It is a
 Node.js program and needs Node.js 20.11 or newer (see KEEPALIVED_TS_NODE in
 /etc/default/keepalived-ts). The keepalived-ts.service unit conflicts with
 keepalived.service.
EOF

deb=$out/${name}_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
