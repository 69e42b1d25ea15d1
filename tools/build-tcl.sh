#!/bin/sh
# build-tcl.sh --
#
#	Builds Tcl 8.6 from its sources into DEST, unchanged ("stock") or with
#	vtalloc compiled in place of generic/tclThreadAlloc.c ("vt": the glue
#	generic/vtTclCore.c takes that file's place and libvtcore.a, the
#	core, is linked into libtcl). Leaves DEST/tclsh, a wrapper that runs
#	the built tclsh with its own library and Debian's Tcl package
#	directories (for the Thread package), and touches no installed Tcl.
#	A build already in DEST that is newer than its inputs, for the same
#	prefix, is kept. It is configured for installation into $TCL_PREFIX
#	(default DEST/install): "make -C DEST/unix install" (the Makefile's
#	install-tcl-vt also installs the vtalloc package there).
#
# Usage:
#	sh tools/build-tcl.sh SRC DEST stock
#	sh tools/build-tcl.sh SRC DEST vt VTALLOC_SRCDIR LIBVTCORE
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

set -e
src=$1 dest=$2 kind=$3 vtsrc=$4 corelib=$5
case $kind in
    stock) inputs="$src/generic/tcl.h" ;;
    vt) inputs="$corelib $vtsrc/generic/vtTclCore.c $vtsrc/generic/vtTclInfo.c
	    $vtsrc/generic/*.h $vtsrc/generic/core/*.h" ;;
    *) echo "usage: build-tcl.sh SRC DEST stock|vt ..." >&2; exit 2 ;;
esac
dest=$(mkdir -p "$dest" && cd "$dest" && pwd)

prefix=${TCL_PREFIX:-$dest/install}
fresh=yes
if [ -x "$dest/unix/tclsh" ] && grep -qx "prefix[[:space:]]*= $prefix" \
	"$dest/unix/Makefile"; then
    for f in $inputs; do
	if [ "$f" -nt "$dest/unix/tclsh" ]; then
	    fresh=no
	fi
    done
else
    fresh=no
fi
if [ $fresh = no ]; then
    echo "build-tcl.sh: building a $kind Tcl in $dest"
    rm -rf "$dest"
    cp -a "$src" "$dest"
    if [ "$kind" = vt ]; then
	cp "$vtsrc/generic/vtTclCore.c" "$dest/generic/tclThreadAlloc.c"
	cp "$vtsrc/generic/vtTclInfo.c" "$vtsrc/generic/vtTclInt.h" \
	    "$vtsrc/generic/vtApi.h" "$vtsrc/generic/vtalloc.h" \
	    "$vtsrc"/generic/core/*.h "$dest/generic/"
    fi
    cd "$dest/unix"
    ./configure --enable-threads --enable-shared \
	--prefix="$prefix" >configure.log 2>&1 \
	|| { tail -20 configure.log; exit 1; }
    if [ "$kind" = vt ]; then
	# -u: the archive member that exports the process's instance is
	# linked in even if nothing in libtcl calls pthread_create.
	libs="-Wl,-u,Vtalloc_ProcessInstance $corelib \${LIBS}"
	make -j2 SHLIB_LD_LIBS="$libs" >make.log 2>&1 \
	    || { tail -30 make.log; exit 1; }
    else
	make -j2 >make.log 2>&1 || { tail -30 make.log; exit 1; }
    fi
fi

arch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
cat >"$dest/tclsh" <<WRAPPER
#!/bin/sh
# The $kind tclsh built by tools/build-tcl.sh.
LD_LIBRARY_PATH="$dest/unix\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
TCL_LIBRARY="$dest/library"
TCLLIBPATH="\${TCLLIBPATH:+\$TCLLIBPATH }/usr/lib/tcltk/$arch /usr/lib/tcltk /usr/share/tcltk"
export LD_LIBRARY_PATH TCL_LIBRARY TCLLIBPATH
exec "$dest/unix/tclsh" "\$@"
WRAPPER
chmod +x "$dest/tclsh"
echo "build-tcl.sh: $dest/tclsh"
