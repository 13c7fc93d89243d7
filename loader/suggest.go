package loader

import "github.com/berth-dev/berth/internal/editdist"

// closest returns the candidate nearest to s by edit distance, if it is
// near enough to be a plausible typo.
func closest(s string, candidates []string) string {
	best, bestDist := "", len(s)/3+2
	for _, c := range candidates {
		if d := editdist.Distance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}
