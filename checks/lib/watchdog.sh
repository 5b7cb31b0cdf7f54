#!/bin/sh
# The reaper's watchdog (see group.ts): a small process of its own, in its own session, that
# outlives the harness process that started it. The harness tells it, one line at a time on its
# stdin, what it started (`+g PGID` a process group, `+m KEY=VALUE` an environment marker such as
# PM2_HOME=…, `+d PATH` a temporary folder; `-…` when that is gone). When its stdin closes, the
# harness has ended, however: an exit, a crash, SIGINT, SIGTERM or SIGKILL. Then it sends TERM,
# and KILL a second later, to every tracked group and every live process that carries a tracked
# marker (the harness's run marker, $1=1, always is one), removes the folders, and exits.
# POSIX sh, not node: it starts in a millisecond and costs the check it guards nothing measurable.

# Ctrl-C reaches the whole foreground group and a CI runner may signal the whole tree: only the
# end of our stdin ends us.
trap '' INT TERM HUP

harness=$PPID
nl='
'
groups=''
markers="$1=1"
dirs=''

# $1 without the line $2.
without() {
  out=''
  IFS=$nl
  for x in $1; do [ "$x" = "$2" ] || out="$out$x$nl"; done
  unset IFS
  printf '%s' "$out"
}

while IFS= read -r line; do
  arg=${line#?? }
  [ -n "$arg" ] || continue
  case $line in
    '+g '*) groups="$groups$arg$nl" ;;
    '-g '*) groups=$(without "$groups" "$arg") ;;
    '+m '*) markers="$markers$nl$arg" ;;
    '-m '*) [ "$arg" = "$1=1" ] || markers=$(without "$markers" "$arg") ;;
    '+d '*) dirs="$dirs$arg$nl" ;;
    '-d '*) dirs=$(without "$dirs" "$arg") ;;
  esac
done

# Live processes that carry a tracked marker, one a line: one grep over every environment (this
# script and what it runs carry none: their environment is PATH alone).
marked() {
  [ -r /proc/self/environ ] || return 0
  for f in $(printf '%s\n' "$markers" | grep -lzxF -f - /proc/[0-9]*/environ 2>/dev/null); do
    f=${f#/proc/}
    f=${f%/environ}
    [ "$f" = "$harness" ] || echo "$f"
  done
}

# Signal every tracked group and the pids in $2; true if any of them was still there.
signal() {
  found=1
  IFS=$nl
  for g in $groups; do kill -s "$1" -- "-$g" 2>/dev/null && found=0; done
  for p in $2; do kill -s "$1" "$p" 2>/dev/null && found=0; done
  unset IFS
  return $found
}

# As few processes as possible on the way (a loaded machine runs each one late): the groups are
# signalled by the shell itself, the marked processes found by one grep a round. TERM, half a
# second's grace, then KILL until nothing answers (at most four rounds).
if signal TERM "$(marked)"; then
  sleep 0.5
  for round in 1 2 3 4; do
    signal KILL "$(marked)" || break
    sleep 0.2
  done
fi
IFS=$nl
for d in $dirs; do rm -rf -- "$d"; done
exit 0
