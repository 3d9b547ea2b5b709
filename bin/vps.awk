# vps without a JVM: inserts the CONTEXT column after the PID column of what ps printed.
# bin/vserver runs it as
#   { launcher --replay spectator.plan -- ps ARGS & wait $!; printf '\036%s %s\n' $! $?; } |
#       LC_ALL=C awk -v base=CONFDIR/.defaults/cgroup/base -f vps.awk RUNDIR/*/state -
# The last input line, "\036PID RC", names the ps process (shown as the spectator) and its exit
# code, which becomes ours. Operands before "-" are the guests' run state files (an unmatched
# glob is skipped). -v proc=DIR replaces /proc (tests).
# It must print what org.vserver.proc.VpsColumn with ContextOfPid prints: VpsAwkAgreementTest
# runs both on the same input. Rules, as there:
#  - the header is the first line with a token "PID"; CONTEXT goes right after that token;
#  - a data line's pid is the first all-digit token overlapping the header's PID column, else
#    the token at the header's index; lines without one pass through;
#  - the column is as wide as its widest value; padding only when something follows;
#  - a pid's guest comes from /proc/PID/cgroup: the first parent (sorted) whose segments appear
#    in a path followed by one more segment, the guest; "XID NAME" if that guest runs there, else
#    "? NAME"; "0 MAIN" for the host and for a process that is gone; "1 ALL_PROC" for ps itself.
# Tokens are split at blanks and tabs only; everything else is bytes (run with LC_ALL=C).
# A guest with its own user namespace runs as host ids that only its own /etc/passwd names, and
# reading a guest's file safely (openat2 RESOLVE_IN_ROOT) is Java's (OwnerColumns): if a user or
# group column (as OwnerColumns finds them) holds a number of at least 65536, the first host id a
# guest's range may hold (the spectator's own 2147483646 aside), this prints nothing and exits
# 125, and bin/vserver runs java's vps.

function segments(path,   n, i, s, out) {
    n = split(path, s, "/")
    out = ""
    for (i = 1; i <= n; i++) if (s[i] != "") out = (out == "" ? s[i] : out "/" s[i])
    return out
}

function strip(s) {
    sub(/^[ \t\r\n\f\v]+/, "", s)
    sub(/[ \t\r\n\f\v]+$/, "", s)
    return s
}

function add_parent(p,   i) {
    if (p == "" || (p in is_parent)) return
    is_parent[p] = 1
    # insertion sort: a handful of parents at most
    for (i = np; i >= 1 && parents[i] > p; i--) parents[i + 1] = parents[i]
    parents[i + 1] = p
    np++
}

# A guest's init is the process recorded at its start, still alive (not a zombie).
function alive(pid, start,   f, l, ok, f3) {
    if (pid !~ /^[0-9]+$/) return 0
    f = proc "/" pid "/stat"
    ok = 0
    if ((getline l < f) > 0 && match(l, /\) [^)]*$/)) {
        split(substr(l, RSTART + 2), f3, " ")   # f3[1] = field 3 (state), f3[20] = field 22 (starttime)
        ok = f3[1] != "Z" && f3[1] != "X" && f3[20] == start
    }
    close(f)
    return ok
}

function load_state(file,   l, k, st, n) {
    n = 0
    while ((getline l < file) > 0) {
        k = index(l, "=")
        if (k) { st[substr(l, 1, k - 1)] = substr(l, k + 1); n++ }
    }
    close(file)
    if (!n || st["name"] == "" || !alive(st["init.pid"], st["init.starttime"])) return
    add_parent(segments(st["cgroup.parent"]))
    running[segments(st["cgroup.parent"]) "/" st["name"]] = st["xid"] " " st["name"]
}

function context(pid,   f, l, n, i, j, c, s, k, g, cg) {
    if (pid == spectator) return SPECTATOR
    f = proc "/" pid "/cgroup"
    n = 0
    while ((getline l < f) > 0) cg[++n] = l
    close(f)
    for (j = 1; j <= np; j++) {
        for (i = 1; i <= n; i++) {
            # id:controllers:path; v1 controllers never contain ':', the path may
            l = cg[i]
            c = index(l, ":"); if (!c) continue
            l = substr(l, c + 1)
            c = index(l, ":"); if (!c) continue
            s = substr(l, c + 1)
            if (substr(s, 1, 1) != "/") s = "/" s
            s = s "/"
            k = index(s, "/" parents[j] "/")
            if (!k) continue
            g = substr(s, k + length(parents[j]) + 2)
            g = substr(g, 1, index(g, "/") - 1)
            if (g == "") continue
            return ((parents[j] "/" g) in running) ? running[parents[j] "/" g] : "? " g
        }
    }
    return HOST
}

# Splits line into tokens: ts[k] = first character, te[k] = one past the last; returns the count.
function tokens(line, ts, te,   n, off, rest) {
    n = 0; off = 0; rest = line
    while (match(rest, /[^ \t]+/)) {
        n++
        ts[n] = off + RSTART
        te[n] = off + RSTART + RLENGTH
        off += RSTART + RLENGTH - 1
        rest = substr(rest, RSTART + RLENGTH)
    }
    return n
}

# A user or group column of ps (OwnerColumns.COLUMNS and UID).
function is_owner(t) {
    return t ~ /^(E|R|S|F)?(USER|GROUP)$/ || t ~ /^(E|R|S|F)?UID$/ || t ~ /^(E|R|S|F)?GID$/
}

# 1 if a user or group column of the first header naming one holds a guest's host id.
function has_guest_ids(   i, h, m, k, j, os, oe, oi, no, l, c, v) {
    h = 0
    for (i = 1; i <= n && !h; i++) {
        m = tokens(line[i], ts, te)
        for (k = 1; k <= m; k++)
            if (is_owner(substr(line[i], ts[k], te[k] - ts[k]))) { h = i; os[++no] = ts[k]; oe[no] = te[k]; oi[no] = k }
    }
    for (i = h + 1; h && i <= n; i++) {
        m = tokens(line[i], ts, te)
        for (j = 1; j <= no; j++) {
            c = 0
            for (k = 1; k <= m && !c; k++) if (ts[k] < oe[j] && te[k] > os[j]) c = k
            if (!c && oi[j] <= m) c = oi[j]
            if (!c) continue
            v = substr(line[i], ts[c], te[c] - ts[c])
            # 2147483646: ps itself, run as the spectator (SpectatorPlanner.SPECTATOR_UID and _GID)
            if (v ~ /^[0-9]+$/ && (length(v) > 5 || v + 0 >= 65536) && v != "2147483646") return 1
        }
    }
    return 0
}

function is_pid(t) { return t ~ /^[0-9]+$/ && length(t) <= 10 && t + 0 <= 2147483647 }

function insert(line, at, value,   rest, pad) {
    rest = substr(line, at)
    pad = ""
    # pad only if something follows: no trailing blanks on a "ps -o pid" line
    if (rest != "" && width > length(value)) pad = sprintf("%" (width - length(value)) "s", "")
    return substr(line, 1, at - 1) " " value pad rest
}

BEGIN {
    TITLE = "CONTEXT"; HOST = "0 MAIN"; SPECTATOR = "1 ALL_PROC"
    if (proc == "") proc = "/proc"
    # the configured parent (ConfigRoot.cgroupParent): first line of .defaults/cgroup/base
    p = ""
    if (base != "" && (getline p < base) > 0) p = segments(strip(p))
    if (base != "") close(base)
    add_parent(p == "" ? "vservers" : p)
    for (i = 1; i < ARGC; i++) {
        if (ARGV[i] == "-") break
        load_state(ARGV[i])
        ARGV[i] = ""
    }
    spectator = -1; rc = 1; n = 0
}

substr($0, 1, 1) == "\036" { split(substr($0, 2), t, " "); spectator = t[1]; rc = t[2] + 0; next }
{ line[++n] = $0 }

END {
    if (has_guest_ids()) exit 125
    header = 0
    for (i = 1; i <= n && !header; i++) {
        m = tokens(line[i], ts, te)
        for (k = 1; k <= m; k++) {
            if (substr(line[i], ts[k], te[k] - ts[k]) == "PID") { header = i; index_ = k; hs = ts[k]; he = te[k]; break }
        }
    }
    width = length(TITLE)
    if (header) {
        for (i = header + 1; i <= n; i++) {
            m = tokens(line[i], ts, te)
            at = 0
            for (k = 1; k <= m && !at; k++)
                if (ts[k] < he && te[k] > hs && is_pid(substr(line[i], ts[k], te[k] - ts[k]))) at = k
            if (!at && index_ <= m && is_pid(substr(line[i], ts[index_], te[index_] - ts[index_]))) at = index_
            if (!at) continue
            end_[i] = te[at]
            ctx[i] = context(substr(line[i], ts[at], te[at] - ts[at]) + 0)
            if (length(ctx[i]) > width) width = length(ctx[i])
        }
    }
    for (i = 1; i <= n; i++) {
        if (header && i == header) print insert(line[i], he, TITLE)
        else if (header && (i in ctx)) print insert(line[i], end_[i], ctx[i])
        else print line[i]
    }
    exit rc
}
