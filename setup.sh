#!/bin/sh
# setup.sh --
#
#	Gets a Debian (or Ubuntu) machine ready for vtalloc and shows it
#	working: installs the packages that are missing (as root with
#	apt-get, otherwise through sudo), configures and builds the package,
#	and runs the demo. Afterwards `make test` runs the whole test suite.
#
# Usage:
#	./setup.sh		install, build, run the demo
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

set -e
cd "$(dirname "$0")"

# Debian packages: Tcl's headers, tclConfig.sh and stub library; the
# Thread package for the multi-threaded tests and the demo; python3 as one
# of the real programs run with libvtmalloc preloaded; valgrind, gnuplot
# and the peer allocators (jemalloc, tcmalloc, mimalloc) for the
# benchmarks; valgrind's memcheck and clang with libFuzzer for the
# reliability tests; mingw-w64 and Wine for the Windows build and its
# tests; dpkg-dev to unpack Debian's Tcl sources (tools/tcl-source.sh),
# for the Tcl built with vtalloc and Tcl's own test suite. gcc brings the
# sanitizer runtimes used by the tests.
packages="tcl8.6-dev tcl-thread python3-minimal valgrind gnuplot-nox dpkg-dev
    libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 clang libclang-rt-14-dev
    gcc-mingw-w64-x86-64-win32 wine64"

missing=""
for package in $packages; do
    if ! dpkg -s "$package" >/dev/null 2>&1; then
	missing="$missing $package"
    fi
done
if [ -n "$missing" ]; then
    echo "setup.sh: installing$missing"
    if [ "$(id -u)" = 0 ]; then
	sudo=""
    elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
    else
	echo "setup.sh: need root to install$missing (apt-get install$missing)" >&2
	exit 1
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
fi

./configure
make
make demo
