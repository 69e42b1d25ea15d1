#!/bin/sh
# tcl-source.sh --
#
#	Prints the directory of Tcl 8.6's sources, for the runs of Tcl's own
#	test suite and the Tcl core built with vtalloc: $TCL_SRC if set, else
#	the tree already fetched into CACHE, else Debian's source package of
#	the installed Tcl, fetched with "apt-get source" (as root, deb-src is
#	enabled and dpkg-dev installed when missing).
#
# Usage:
#	sh tools/tcl-source.sh CACHE
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

set -e
if [ -n "$TCL_SRC" ]; then
    if [ -f "$TCL_SRC/generic/tcl.h" ] && [ -d "$TCL_SRC/tests" ]; then
	echo "$TCL_SRC"
	exit 0
    fi
    echo "tcl-source.sh: TCL_SRC=$TCL_SRC is not a Tcl source tree" >&2
    exit 1
fi
cache=${1:?usage: tcl-source.sh CACHE}
mkdir -p "$cache"
found() {
    for d in "$cache"/tcl8.6*/; do
	if [ -f "$d/generic/tcl.h" ]; then
	    echo "${d%/}"
	    return 0
	fi
    done
    return 1
}
found && exit 0

if ! command -v dpkg-source >/dev/null 2>&1 \
	|| ! grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources \
	    /etc/apt/sources.list 2>/dev/null; then
    if [ "$(id -u)" != 0 ]; then
	echo "tcl-source.sh: need deb-src in the apt sources and dpkg-dev" \
	    "(or TCL_SRC=dir with Tcl 8.6 sources)" >&2
	exit 1
    fi
    for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
    done
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >&2
fi
(cd "$cache" && apt-get source -qq tcl8.6 >&2)
found
