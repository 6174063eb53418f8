/// The POSIX shell script `layoutsolve probe --collector` prints: run on a host without
/// layoutsolve, it archives exactly the files ``ProbeFiles/all`` lists, for
/// `layoutsolve probe --root host.tar.gz` elsewhere.
///
/// It needs sh, cat, mkdir, mktemp, ln, readlink, tar and gzip: coreutils or BusyBox. Files are
/// copied with `cat` into a staging folder and the folder is archived, because sysfs reports 4096
/// bytes for every attribute and tar would pad a shorter file with zeros ("file shrank").
public enum ProbeCollector {
    public static func script(generator: String = "layoutsolve probe --collector") -> String {
        var lines: [String] = [
            "#!/bin/sh",
            "# Collects the files `layoutsolve probe` reads on this host into a tar.gz archive, for",
            "# `layoutsolve probe --root ARCHIVE` on a machine that has layoutsolve.",
            "# Written by \(generator); needs sh, cat, mkdir, mktemp, ln, readlink, tar, gzip.",
            "#",
            "#   sh collect.sh > host.tar.gz            # this host",
            "#   ssh host sh -s < collect.sh > host.tar.gz",
            "#   sh collect.sh --root /mnt/copy -o host.tar.gz",
            "set -eu",
            "",
            "usage() {",
            "    echo 'usage: sh collect.sh [--root DIR] [-o FILE]'",
            "    echo '  --root DIR  read DIR/sys, DIR/proc and DIR/etc instead of /sys, /proc and /etc'",
            "    echo '  -o FILE     write the archive to FILE (default: standard output, not a terminal)'",
            "}",
            "fail() { echo \"collect.sh: error: $*\" >&2; exit 2; }",
            "warn() { echo \"collect.sh: warning: $*\" >&2; }",
            "",
            "root=/",
            "out=-",
            "while [ $# -gt 0 ]; do",
            "    case $1 in",
            "        --root) [ $# -ge 2 ] || fail '--root needs a folder'; root=$2; shift 2 ;;",
            "        --root=*) root=${1#--root=}; shift ;;",
            "        -o|--output) [ $# -ge 2 ] || fail \"$1 needs a file\"; out=$2; shift 2 ;;",
            "        --output=*) out=${1#--output=}; shift ;;",
            "        -h|--help) usage; exit 0 ;;",
            "        *) usage >&2; fail \"unknown argument $1\" ;;",
            "    esac",
            "done",
            "[ -d \"$root\" ] || fail \"--root $root: no such folder\"",
            "while [ \"${root%/}\" != \"$root\" ]; do root=${root%/}; done",
            "if [ \"$out\" = - ] && [ -t 1 ]; then",
            "    fail 'standard output is a terminal; redirect it (> host.tar.gz) or give -o FILE'",
            "fi",
            "",
            "stage=$(mktemp -d \"${TMPDIR:-/tmp}/layoutsolve-collect.XXXXXX\")",
            "trap 'rm -rf \"$stage\"' EXIT",
            "trap 'exit 130' INT TERM",
            "mkdir \"$stage/host\"",
            "",
            "# $1 is a path as the host names it; $root$1 is where it is read.",
            "take_file() {",
            "    if [ -f \"$root$1\" ]; then",
            "        mkdir -p \"$stage/host${1%/*}\"",
            "        cat \"$root$1\" > \"$stage/host$1\" 2>/dev/null || { rm -f \"$stage/host$1\"; warn \"cannot read $root$1; left out\"; }",
            "    fi",
            "}",
            "take_folder() {",
            "    if [ -d \"$root$1\" ]; then mkdir -p \"$stage/host$1\"; fi",
            "}",
            "take_link() {",
            "    if [ -L \"$root$1\" ]; then",
            "        mkdir -p \"$stage/host${1%/*}\"",
            "        ln -s \"$(readlink \"$root$1\")\" \"$stage/host$1\"",
            "    else",
            "        take_file \"$1\"",
            "    fi",
            "}",
            "",
            "# The list is ProbeFiles.all in layoutsolve's LayoutProbe library: what probe reads.",
        ]
        for entry in ProbeFiles.all {
            let relative = String(entry.pattern.dropFirst())
            lines.append("# \(entry.why)")
            if entry.pattern.contains("*") {
                lines.append("for path in \"$root\"/\(relative); do take_\(entry.kind.rawValue) \"${path#\"$root\"}\"; done")
            } else {
                lines.append("take_\(entry.kind.rawValue) /\(relative)")
            }
        }
        lines += [
            "",
            "(cd \"$stage/host\" && tar -cf ../host.tar .)",
            "if [ \"$out\" = - ]; then",
            "    gzip -c \"$stage/host.tar\"",
            "else",
            "    gzip -c \"$stage/host.tar\" > \"$out\"",
            "fi",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
