#!/bin/sh
# ABI check of libck-connector.so.0 against ConsoleKit2's own programs, built from a ConsoleKit2
# source tree (a checkout or a bare git dir) in a scratch folder that is never part of our tree:
#   abi-check.sh CK2_SOURCE OUT_DIR OUR_LIB_DIR OUR_HEADER_DIR
# 1. builds ConsoleKit2's libck-connector (only to read its exported symbols), its test-connector
#    and its ck-launch-session against OUR header, linked against OUR library (-L OUR_LIB_DIR);
# 2. compares our exported symbols with ConsoleKit2's library and with the functions its header
#    declares (the nine), and checks our SONAME.
# Prints "symbols: ..." lines and "built: OUT_DIR/..." for the programs. Running them against the
# real daemon is the job of abi_test.cpp. Exits 77 (skip) when CK2_SOURCE is not there.
set -eu

src=${1:-}
out=${2:?usage: abi-check.sh CK2_SOURCE OUT_DIR OUR_LIB_DIR OUR_HEADER_DIR}
ourlib=${3:?}
ourinc=${4:?}

if [ -z "$src" ] || [ ! -d "$src" ]; then
    echo "SKIP: no ConsoleKit2 source tree at '${src}'" >&2
    exit 77
fi

mkdir -p "$out/ref"
# A file of the ConsoleKit2 tree: from its work tree, else from a bare git dir's HEAD.
ck2file() {
    if [ -f "$src/$1" ]; then
        cat "$src/$1"
    elif git --git-dir="$src" rev-parse --verify -q HEAD >/dev/null 2>&1; then
        git --git-dir="$src" show "HEAD:$1"
    elif git -C "$src" rev-parse --verify -q HEAD >/dev/null 2>&1; then
        git -C "$src" show "HEAD:$1"
    else
        return 1
    fi
}
for f in libck-connector/ck-connector.c libck-connector/ck-connector.h libck-connector/test-connector.c \
    tools/ck-launch-session.c; do
    if ! ck2file "$f" >"$out/ref/$(basename "$f")"; then
        echo "SKIP: $src has no $f" >&2
        exit 77
    fi
done

dbus_cflags=$(pkg-config --cflags dbus-1)
dbus_libs=$(pkg-config --libs dbus-1)
glib_cflags=$(pkg-config --cflags glib-2.0)
glib_libs=$(pkg-config --libs glib-2.0)
cc=${CC:-cc}

# ConsoleKit2's own library, in ref/ (its header stays there too): for its symbol list only.
$cc -shared -fPIC -w -o "$out/ref/libck-connector.so.0" -Wl,-soname,libck-connector.so.0 \
    "$out/ref/ck-connector.c" -I"$out/ref" $dbus_cflags $dbus_libs

# ConsoleKit2's programs against OUR header (only OUR_HEADER_DIR is on the include path, and the
# copied ck-connector.h is not next to the sources) and OUR library. test-connector sleeps 20 s
# with its session open; sleep() is wrapped to return at once.
mkdir -p "$out/progs"
cp "$out/ref/test-connector.c" "$out/ref/ck-launch-session.c" "$out/progs/"
printf 'unsigned int __wrap_sleep(unsigned int s) { (void)s; return 0; }\n' >"$out/progs/nosleep.c"
$cc -w -o "$out/progs/test-connector" "$out/progs/test-connector.c" "$out/progs/nosleep.c" \
    -Wl,--wrap=sleep -I"$ourinc" $dbus_cflags -L"$ourlib" -lck-connector $dbus_libs
$cc -w -o "$out/progs/ck-launch-session" "$out/progs/ck-launch-session.c" -DHAVE_PATHS_H \
    -I"$ourinc" $dbus_cflags $glib_cflags -L"$ourlib" -lck-connector $dbus_libs $glib_libs
echo "built: $out/progs/test-connector"
echo "built: $out/progs/ck-launch-session"

# Symbols: ours, ConsoleKit2's library's, and the functions ConsoleKit2's header declares.
exported() { nm -D --defined-only "$1" | awk '$2 == "T" { print $3 }' | sort; }
exported "$ourlib/libck-connector.so.0" >"$out/ours.syms"
exported "$out/ref/libck-connector.so.0" >"$out/ck2.syms"
grep -o 'ck_connector_[a-z_]*[[:space:]]*(' "$out/ref/ck-connector.h" | sed 's/[[:space:](]//g' | sort -u \
    >"$out/header.syms"
echo "symbols: ours $(tr '\n' ' ' <"$out/ours.syms")"
echo "symbols: ConsoleKit2 $(tr '\n' ' ' <"$out/ck2.syms")"
status=0
if ! cmp -s "$out/ours.syms" "$out/ck2.syms"; then
    echo "FAIL: our exported symbols differ from ConsoleKit2's library:" >&2
    diff "$out/ck2.syms" "$out/ours.syms" >&2 || true
    status=1
fi
if ! cmp -s "$out/ours.syms" "$out/header.syms"; then
    echo "FAIL: our exported symbols differ from the functions of ConsoleKit2's header:" >&2
    diff "$out/header.syms" "$out/ours.syms" >&2 || true
    status=1
fi
echo "symbols: $(wc -l <"$out/ours.syms") exported"
soname=$(readelf -d "$ourlib/libck-connector.so.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
echo "soname: $soname"
[ "$soname" = "libck-connector.so.0" ] || { echo "FAIL: SONAME is '$soname'" >&2; status=1; }
exit $status
