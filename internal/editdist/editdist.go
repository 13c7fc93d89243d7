// Package editdist measures how far apart two names are, for the "did you
// mean" hints of the loader and the planner.
package editdist

// Distance is the optimal string alignment distance between a and b: insertions,
// deletions, substitutions and adjacent transpositions ("wbe" → "web") each
// cost one, the common typos. It works on bytes; the names berth
// suggests (services, compose keys) are ASCII.
func Distance(a, b string) int {
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
		}
	}
	return rows[len(a)][len(b)]
}
