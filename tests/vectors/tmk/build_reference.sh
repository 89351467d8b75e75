#!/usr/bin/env bash
# Build the reference TMK+PDQF binaries (tmk-hash-video, tmk-two-level-score) into DEST.
#
#   bash tests/vectors/tmk/build_reference.sh DEST [PYTHON]
#
# The source is the copy of facebook/ThreatExchange tmk/cpp and pdq/cpp that PyPI's
# tmkpy 0.1.1 bundles (its sdist, fetched with pip; nothing of it is committed here). Its
# prebuilt objects are deleted and everything is compiled from source with g++; modern
# g++ needs <stdexcept> included by hand. The binaries need ffmpeg on PATH at run time.
# Needs: g++, make, ffmpeg (Debian: apt-get install -y g++ make ffmpeg).
set -euo pipefail
dest=$(realpath -m "${1:?usage: build_reference.sh DEST [PYTHON]}")
python=${2:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m pip download --quiet --no-deps --no-binary :all: tmkpy==0.1.1 -d "$work"
tar -xzf "$work"/tmkpy-0.1.1.tar.gz -C "$work"
src="$work/tmkpy-0.1.1"
find "$src" \( -name '*.o' -o -name '*.a' \) -delete
make --silent -C "$src/tmk/cpp" CC="g++ -O2 -std=c++14 -I../.. -include stdexcept" \
  tmk-hash-video tmk-two-level-score >/dev/null
mkdir -p "$dest"
cp "$src/tmk/cpp/tmk-hash-video" "$src/tmk/cpp/tmk-two-level-score" "$dest/"
echo "reference TMK binaries in $dest"
