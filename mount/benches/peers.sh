#!/usr/bin/env bash
# `tempfilestore mount` side by side with httpfs2, httpdirfs and rclone,
# on one object served by nginx on loopback (docs/fuse.md). Installs the
# peers and nginx from Debian's packages (root, apt), builds, then runs the
# comparison; extra arguments go to it (`--size-mib 256`, `--svg FILE`).
# Not part of CI: it installs programs and moves a GiB several times.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
for program in fusermount3 httpfs2 httpdirfs rclone nginx curl; do
    command -v "$program" >/dev/null || missing+=("$program")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "missing ${missing[*]}: install fuse3 httpfs2 httpdirfs rclone nginx-light curl" >&2
        exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        fuse3 httpfs2 httpdirfs rclone nginx-light curl >/dev/null
fi

cargo build --release --locked -p tempfilestore-mount --bin tempfilestore --example peers
uname -srm
nproc
./target/release/examples/peers "$@"
