#!/bin/bash -eu
# ClusterFuzzLite's build script: .clusterfuzzlite/Dockerfile copies the
# tree to $SRC/sheaf-fuzz and this file to $SRC/build.sh.  The build is the
# one OSS-Fuzz runs, scripts/oss-fuzz/build.sh (settings, targets, $OUT).
exec "${SHEAF_SRC:-$SRC/sheaf-fuzz}/scripts/oss-fuzz/build.sh" "$@"
