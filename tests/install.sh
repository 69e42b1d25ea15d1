#!/bin/sh
# install.sh --
#
#	What `make install` puts in place, used from there and nowhere else:
#	every file is installed; a stock tclsh finds the package through
#	the installed pkgIndex.tcl and allocates with it; the example
#	extension compiles against the installed vtalloc.h alone, links the
#	installed stub library and runs its threads through the installed
#	package; the installed libvtmalloc runs a program under LD_PRELOAD;
#	`make uninstall` takes every file away again. Prints "unit install:
#	P passed, F failed".
#
# Usage:
#	sh install.sh BUILD-DIR SOURCE-DIR TCLSH CC "TCL-CFLAGS" "TCL-STUB-LIB"
#	    "SHLIB-LD" "SHLIB-CFLAGS"
#
#	BUILD-DIR is the configured build (where make install runs); the
#	installation goes under BUILD-DIR/install-test (DESTDIR).
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

build=$1
src=$2
tclsh=$3
cc=$4
tclcflags=$5
tclstub=$6
shlibld=$7
shlibcflags=$8
dest=$build/install-test
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$src/tests/outcome.sh"

# check NAME COMMAND...: COMMAND must succeed; its output goes to
# $work/log, shown when it fails.
check() {
    name=$1
    shift
    "$@" >"$work/log" 2>&1
    outcome "$name" $? "$work/log"
}

# The installed paths, as make sees them.
var() {
    make -s -C "$build" --no-print-directory -f Makefile -f - print-var \
	    VAR="$1" <<'MK'
print-var:
	@echo $($(VAR))
MK
}

rm -rf "$dest"
if ! make -s -C "$build" --no-print-directory install DESTDIR="$dest" \
	>"$work/install.log" 2>&1; then
    outcome "make install" 1 "$work/install.log"
    totals install
    exit 1
fi
pkglibdir=$dest$(var pkglibdir)
libdir=$dest$(var libdir)
includedir=$dest$(var includedir)
mandir=$dest$(var mandir)
pkglib=$(var PKG_LIB)
stublib=$(var STUB_LIB)
malloclib=$(var MALLOC_LIB)

files() {
    for f in "$pkglibdir/$pkglib" "$pkglibdir/pkgIndex.tcl" \
	    "$libdir/$stublib" "$libdir/$malloclib" \
	    "$includedir/vtalloc.h" "$mandir/mann/vtalloc.n"; do
	test -s "$f" || { echo "missing: $f"; return 1; }
    done
}

# The package from its installed folder: TCLLIBPATH names the folder
# above it, as Tcl's package path would.
package() {
    TCLLIBPATH=$(dirname "$pkglibdir") "$tclsh" <<TCL
set v [package require vtalloc]
set where [package ifneeded vtalloc \$v]
if {[string first $pkglibdir \$where] < 0} {
    error "loaded from elsewhere: \$where"
}
set h [vtalloc block alloc 1000]
vtalloc block fill \$h 7
if {![vtalloc block check \$h 7]} {
    error "block contents lost"
}
vtalloc block free \$h
if {[dict get [vtalloc stats] mode] ne "package"} {
    error "mode [dict get [vtalloc stats] mode]"
}
TCL
}

# The example extension: the installed header and stub library only.
extension() {
    $shlibld $shlibcflags -DUSE_TCL_STUBS -DUSE_VTALLOC_STUBS \
	    $tclcflags -I"$includedir" -o "$work/libvtexample.so" \
	    "$src/examples/vtexample.c" "$libdir/$stublib" $tclstub \
	    || return 1
    TCLLIBPATH=$(dirname "$pkglibdir") "$tclsh" <<TCL
package require vtalloc
load $work/libvtexample.so Vtexample
set result [vtexample run 4 500]
if {[dict get \$result errors] != 0 || [dict get \$result blocks] != 2000} {
    error "vtexample run: \$result"
}
TCL
}

preload() {
    out=$(VTALLOC_STATS=1 LD_PRELOAD="$libdir/$malloclib" sh -c \
	'seq 1 10000 | sort -rn | head -1' 2>&1)
    echo "$out"
    case $out in
    *10000*vtalloc:*) return 0 ;;
    esac
    return 1
}

uninstall() {
    make -s -C "$build" --no-print-directory uninstall DESTDIR="$dest" \
	|| return 1
    left=$(find "$dest" -type f)
    test -z "$left" || { echo "left behind: $left"; return 1; }
}

check "every file installed" files
check "a stock tclsh loads the installed package" package
check "an extension built against the installed header and stubs" \
    extension
check "the installed libvtmalloc under LD_PRELOAD" preload
check "make uninstall removes every file" uninstall
rm -rf "$dest"
totals install
