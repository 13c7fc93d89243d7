package ci

import (
	"bytes"
	"strings"
	"testing"
)

func TestJobID(t *testing.T) {
	for _, tc := range []struct {
		name       string
		env        map[string]string
		id, source string
	}{
		{"none", map[string]string{"HOME": "/root"}, "", ""},
		{"berth wins", map[string]string{"BERTH_CI_ID": "Mine", "CI_JOB_ID": "9"}, "mine", "BERTH_CI_ID"},
		{"github", map[string]string{"GITHUB_RUN_ID": "1234", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_JOB": "Integration Tests"}, "1234-2-integration-tests", "GitHub Actions"},
		{"github without attempt", map[string]string{"GITHUB_RUN_ID": "1234", "GITHUB_JOB": "test"}, "1234-test", "GitHub Actions"},
		{"gitlab", map[string]string{"CI_JOB_ID": "5551", "CI": "true"}, "5551", "GitLab CI"},
		{"buildkite", map[string]string{"BUILDKITE_JOB_ID": "0190A1B2-C3D4"}, "0190a1b2-c3d4", "Buildkite"},
		{"jenkins tag", map[string]string{"BUILD_TAG": "jenkins-shop/main-17", "BUILD_NUMBER": "17", "JOB_NAME": "shop/main"}, "jenkins-shop-main-17", "Jenkins"},
		{"jenkins parts", map[string]string{"BUILD_NUMBER": "17", "JOB_NAME": "Shop Main"}, "shop-main-17", "Jenkins"},
		{"circle workflow job", map[string]string{"CIRCLE_WORKFLOW_JOB_ID": "AB-12", "CIRCLE_BUILD_NUM": "3"}, "ab-12", "CircleCI"},
		{"circle build", map[string]string{"CIRCLE_BUILD_NUM": "3", "CIRCLE_NODE_INDEX": "1"}, "3-1", "CircleCI"},
		{"only punctuation falls through", map[string]string{"BERTH_CI_ID": "///", "CI_JOB_ID": "8"}, "8", "GitLab CI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, source := JobID(tc.env)
			if id != tc.id || source != tc.source {
				t.Errorf("JobID(%v) got %q, %q, want %q, %q", tc.env, id, source, tc.id, tc.source)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	long := strings.Repeat("a", 60)
	for _, tc := range []struct{ in, want string }{
		{"42", "42"},
		{"Feature/ABC 1", "feature-abc-1"},
		{"--x__", "x"},
		{"a..b", "a-b"},
		{"ünï", "n"},
		{long, ""}, // checked below
	} {
		got := Normalize(tc.in)
		if tc.in == long {
			// The hash part is checked by length and stability only.
			if len(got) != maxID || got != Normalize(long) || !strings.HasPrefix(got, strings.Repeat("a", 31)+"-") {
				t.Errorf("Normalize(60 a) got %q, want 31 a, '-' and 8 hex digits", got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("Normalize(%q) got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestProjectNameIsValid(t *testing.T) {
	id, _ := JobID(map[string]string{"GITHUB_RUN_ID": "99", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "Unit & Integration"})
	got := ProjectName("shop", id)
	if got != "shop-ci-99-1-unit-integration" {
		t.Errorf("ProjectName got %q", got)
	}
}

func TestRandomID(t *testing.T) {
	id, err := RandomID(bytes.NewReader([]byte{0xde, 0xad, 0xbe, 0xef}))
	if err != nil || id != "deadbeef" {
		t.Errorf("RandomID got %q, %v, want deadbeef", id, err)
	}
	if _, err := RandomID(bytes.NewReader(nil)); err == nil {
		t.Error("RandomID from an empty reader got no error")
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		o    Outcome
		run  int
		want int
	}{
		{Passed, 0, 0},
		{Failed, 3, 3},
		{Failed, 0, 1},
		{NotReady, 0, ExitNotReady},
		{Errored, 0, ExitBerthFailed},
		{Errored, 3, ExitBerthFailed},
		{Interrupted, 137, ExitInterrupted},
	} {
		if got := ExitCode(tc.o, tc.run); got != tc.want {
			t.Errorf("ExitCode(%s, %d) got %d, want %d", tc.o, tc.run, got, tc.want)
		}
	}
	// The documented codes must not clash with compose's 1 and 18.
	for _, c := range []int{ExitNotReady, ExitBerthFailed} {
		if c == 1 || c == 18 || c == ExitInterrupted {
			t.Errorf("exit code %d clashes with compose's", c)
		}
	}
}

func TestTail(t *testing.T) {
	tl := NewTail(2)
	for _, s := range []string{"one\ntw", "o\r\nthree\n", "fo"} {
		if _, err := tl.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(tl.Lines(), "|"); got != "three|fo" {
		t.Errorf("Tail(2) got %q, want three|fo", got)
	}
	if got := NewTail(0).Lines(); len(got) != 0 {
		t.Errorf("Tail(0) got %q", got)
	}
}
