# tests/e2e/common.sh -- what the end-to-end scripts share; sourced, not run.
#
#   . "$(dirname "$0")/common.sh" TAG
#
# Sets B (the built qtranspile: $QTR_BUILDDIR, as make check passes it, or
# the current directory), SRC (the source tree: $QTR_SRCDIR, or the
# script's ../..) and DATA ($SRC/tests/data); stops with FAIL when qtranspile
# is not built; makes a temporary directory T (qtr_TAG.XXXXXX, removed on
# exit); and defines ok/bad (one line per case, failures counted in $fails),
# expect (run a command, check its exit status) and finish (the summary line
# and the script's status). MPI may run as root in the container; one
# OpenMP thread keeps outputs independent of the machine.
set -u
B=${QTR_BUILDDIR:-.}/qtranspile
SRC=${QTR_SRCDIR:-$(dirname "$0")/../..}
DATA=$SRC/tests/data
[ -x "$B" ] || { echo "FAIL: $B not built"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/qtr_${1:-e2e}.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect CODE CMD...: run it, check the exit status (stdout in $T/out, stderr in $T/err)
expect() {
  local want=$1; shift
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  if [ "$got" -ne "$want" ]; then bad "exit $got (want $want): $*"; sed 's/^/  | /' "$T/err" | head -10; return 1; fi
  return 0
}
# finish WHAT: "all WHAT passed" or the count of failures; the exit status
finish() {
  [ "$fails" -eq 0 ] && echo "all $1 passed" || echo "$fails check(s) failed"
  exit $((fails > 0))
}
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
