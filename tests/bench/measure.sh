# measure.sh -- sourced by the benchmark scripts: run a command RUNS times
# under /usr/bin/time -v and take medians. Needs $T (scratch dir), $RUNS, $TIME.
# measure NAME CMD...: run CMD $RUNS times under time -v; append "wall_s kb
# cpu_s" lines to $T/NAME.runs. /usr/bin/time -v prints wall time as
# [h:]m:ss.ss. CPU time (user + system) is printed too: on a shared machine it
# moves less than wall time when other jobs compete for the cores.
measure() {
  local name=$1; shift
  : > "$T/$name.runs"
  for ((i = 1; i <= RUNS; i++)); do
    if ! "$TIME" -v -o "$T/tv" "$@" > /dev/null 2> "$T/err"; then
      echo "million_swap: $name failed on run $i:" >&2; cat "$T/err" "$T/tv" >&2; exit 2
    fi
    awk -F': ' '
      /Elapsed \(wall clock\) time/ { n = split($2, t, ":"); s = 0
                                      for (k = 1; k <= n; k++) s = s * 60 + t[k] }
      /Maximum resident set size/   { kb = $2 }
      /User time \(seconds\)/       { cpu += $2 }
      /System time \(seconds\)/     { cpu += $2 }
      END { printf "%.3f %d %.3f\n", s, kb, cpu }' "$T/tv" >> "$T/$name.runs"
  done
}
# median FILE COLUMN
median() { sort -g -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }

