# Helpers the shell benchmarks share (source it): wall-clock stamps, their differences, and the
# median of a list of figures. Public tools only: date, awk, sort.

# Now, in seconds with nanoseconds.
now() { date +%s.%N; }
# Seconds from stamp $1 to stamp $2, two decimals.
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# The median of the figures on stdin (separated by spaces or newlines).
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
