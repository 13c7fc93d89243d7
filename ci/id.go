package ci

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// jobVars are the CI systems' job variables, in the order they are tried:
// each entry's variables are joined with "-" when the first is set. The
// first of an entry must be unique per job on its own or with the rest.
var jobVars = []struct {
	source string
	vars   []string
}{
	{"BERTH_CI_ID", []string{"BERTH_CI_ID"}},
	// A run ID is shared by a workflow's jobs and by reruns: the attempt
	// and the job tell them apart. Matrix jobs share all three; they need
	// BERTH_CI_ID (see the README).
	{"GitHub Actions", []string{"GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB"}},
	{"GitLab CI", []string{"CI_JOB_ID"}},
	{"Buildkite", []string{"BUILDKITE_JOB_ID"}},
	// BUILD_TAG is jenkins-${JOB_NAME}-${BUILD_NUMBER}.
	{"Jenkins", []string{"BUILD_TAG"}},
	{"Jenkins", []string{"JOB_NAME", "BUILD_NUMBER"}},
	{"CircleCI", []string{"CIRCLE_WORKFLOW_JOB_ID"}},
	{"CircleCI", []string{"CIRCLE_BUILD_NUM", "CIRCLE_NODE_INDEX"}},
}

// JobID is the CI job a run belongs to, from environ: BERTH_CI_ID, else the
// job variables of GitHub Actions, GitLab CI, Buildkite, Jenkins or
// CircleCI. It is normalised for a project name (see Normalize); id is
// empty when none is set, and source names where it came from.
func JobID(environ map[string]string) (id, source string) {
	for _, j := range jobVars {
		if environ[j.vars[0]] == "" {
			continue
		}
		var parts []string
		for _, v := range j.vars {
			if environ[v] != "" {
				parts = append(parts, environ[v])
			}
		}
		if id := Normalize(strings.Join(parts, "-")); id != "" {
			return id, j.source
		}
	}
	return "", ""
}

// RandomID is the ID of a run outside CI: 8 hex digits from random.
func RandomID(random io.Reader) (string, error) {
	b := make([]byte, 4)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("random ci id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// maxID bounds an ID so that container names built from the project name
// stay readable; longer IDs keep their head and a hash of the whole.
const maxID = 40

// Normalize turns s into something a project name may carry: lower case,
// runs of anything but letters, digits, '-' and '_' become one '-', no
// leading or trailing '-' or '_', at most maxID bytes.
func Normalize(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
			dash = r == '-'
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-_")
	if len(out) > maxID {
		sum := sha256.Sum256([]byte(out))
		out = strings.TrimRight(out[:maxID-9], "-_") + "-" + hex.EncodeToString(sum[:4])
	}
	return out
}

// ProjectName is the project a ci run brings up: <base>-ci-<id>.
func ProjectName(base, id string) string {
	return base + "-ci-" + id
}
