#!/usr/bin/env bash
# The platform under test, started as the README says (`npm start`), from a copy of the repository
# under a folder only its owner may enter: `mktemp -d` makes it 0700, as root's home is on Debian.
# As root, the embedded PostgreSQL runs as its own user and must still reach its binaries in the
# copy's node_modules. The copy is hard-linked (quick; the same files and modes) but for the
# site's build, which is copied so that nothing written in the copy lands in the repository.
# The data folder, ports and sizes come from the environment (playwright.config.ts).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=${TMPDIR:-/tmp}

# Whether a process still runs from under $1 (its path read from a file, so that grep's own
# command line does not match).
in_use() {
  local pattern
  pattern=$(mktemp)
  printf '%s/\n' "$1" >"$pattern"
  local found=1
  grep -qsFf "$pattern" /proc/[0-9]*/cmdline && found=0
  rm -f "$pattern"
  return $found
}

# Copies left by a run that was killed, once nothing runs from them.
for stale in "$tmp"/linkboard-e2e.*; do
  [ -d "$stale" ] && ! in_use "$stale" && rm -rf "$stale"
done

parent=$(mktemp -d "$tmp/linkboard-e2e.XXXXXX")
chmod 700 "$parent"
copy="$parent/linkboard"
cp -al "$root" "$copy"
rm -rf "$copy/.data" "$copy/e2e/.data-e2e" "$copy/apps/web/.next"
if [ -d "$root/apps/web/.next" ]; then cp -a "$root/apps/web/.next" "$copy/apps/web/.next"; fi
echo "start-platform: npm start in $copy (parent mode $(stat -c %a "$parent"))"

cd "$copy"
# SIGTERM (Playwright's stop) reaches the whole group, linkboard included; `wait` returns at
# once, and the copy is removed only after everything that runs from it has stopped.
trap ':' TERM INT
npm start &
wait $! || true
for _ in $(seq 600); do
  in_use "$parent" || break
  sleep 0.1
done
rm -rf "$parent"
