#!/bin/sh
# tcl-source.sh --
#
#	Prints the directory of Tcl 8.6's sources, for the runs of Tcl's own
#	test suite and the Tcl core built with vtalloc: $TCL_SRC if set, else
#	the tree already fetched into CACHE, else Debian's source package of
#	the installed Tcl, fetched with "apt-get source" through a private
#	apt configuration (the deb-src twins of the system's sources, in
#	CACHE/apt). The system's apt configuration is never changed.
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

# A private apt configuration in CACHE/apt: the deb-src twins of the
# system's own Debian sources, their lists and caches; the system's apt
# configuration is read, never changed.
apt=$(cd "$cache" && pwd)/apt
rm -rf "$apt"
mkdir -p "$apt/sources.list.d" "$apt/lists/partial" \
    "$apt/cache/archives/partial"
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types:.*/Types: deb-src/' "$f" \
	>"$apt/sources.list.d/${f##*/}"
done
: >"$apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && sed -n 's/^deb[[:space:]]/deb-src /p' "$f" \
	>>"$apt/sources.list"
done
set -- -o Dir::Etc::SourceList="$apt/sources.list" \
    -o Dir::Etc::SourceParts="$apt/sources.list.d" \
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache"

if ! command -v dpkg-source >/dev/null 2>&1; then
    echo "tcl-source.sh: need dpkg-source (./setup.sh installs dpkg-dev)," \
	"or TCL_SRC=dir with Tcl 8.6 sources" >&2
    exit 1
fi
echo "tcl-source.sh: fetching Debian's tcl8.6 source package into $cache" \
    "(private apt configuration in $apt; the system's is not changed)" >&2
apt-get "$@" update -qq >&2
(cd "$cache" && apt-get "$@" source -qq tcl8.6 >&2)
found
