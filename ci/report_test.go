package ci

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// failedRun is a run whose stack came up with a flapping cache and whose
// tests failed.
func failedRun() *Report {
	r := &Report{
		Project: "shop-ci-42", CIID: "42", Service: "tests", Command: []string{"go", "test", "./..."},
		Outcome: Failed, ExitCode: 3,
		Started: time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC),
	}
	r.AddPhase("up", 2100*time.Millisecond, nil)
	r.AddPhase("wait", 1500*time.Millisecond, nil)
	r.AddPhase("run", 4250*time.Millisecond, nil)
	r.AddPhase("down", 800*time.Millisecond, nil)
	r.Services = []ServiceReport{
		{Name: "cache", Problem: "container shop-ci-42-cache-1 is unhealthy", Containers: []ContainerReport{{
			Name: "shop-ci-42-cache-1", State: "running", Health: "unhealthy", RestartCount: 2,
			Problem: "is unhealthy", Probe: "PONG expected, got <nothing> & gave up", Logs: []string{"ready to accept connections", "\x1b[31mOOM\x1b[0m"},
		}}},
		{Name: "db", Containers: []ContainerReport{{Name: "shop-ci-42-db-1", State: "running", Health: "healthy", Logs: []string{"listening"}}}},
		{Name: "migrate", Containers: []ContainerReport{{Name: "shop-ci-42-migrate-1", State: "exited", Logs: []string{}}}},
	}
	r.Run = &RunReport{ExitCode: 3, Seconds: 4.25, Logs: []string{"--- FAIL: TestCheckout", "FAIL"}}
	return r
}

// notReadyRun never got to its run.
func notReadyRun() *Report {
	r := &Report{Project: "shop-ci-7", CIID: "7", Service: "tests", Outcome: NotReady, ExitCode: ExitNotReady,
		Error: "application not healthy after 5s\nservice \"db\": ...", Started: time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)}
	r.AddPhase("up", time.Second, nil)
	r.AddPhase("wait", 5*time.Second, nil)
	r.AddPhase("down", time.Second, nil)
	r.Services = []ServiceReport{{Name: "db", Problem: "container shop-ci-7-db-1 is still starting (health: starting)", Containers: []ContainerReport{{
		Name: "shop-ci-7-db-1", State: "running", Health: "starting", Problem: "is still starting (health: starting)", Logs: []string{"initdb"},
	}}}}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ci -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

func TestReportGoldens(t *testing.T) {
	for name, r := range map[string]*Report{"failed": failedRun(), "notready": notReadyRun()} {
		t.Run(name, func(t *testing.T) {
			var j, x, txt bytes.Buffer
			if err := WriteJSON(&j, r); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".json", j.Bytes())
			if err := WriteJUnit(&x, r); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".xml", x.Bytes())
			WriteFailures(&txt, r)
			txt.WriteString(Summary(r) + "\n")
			golden(t, name+".txt", txt.Bytes())
		})
	}
}

// The JUnit schema's shape (the one GitHub, GitLab and Jenkins read), as
// a decoder sees it: anything misplaced or misnamed stays empty.
type schemaSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Tests    *int          `xml:"tests,attr"`
	Failures *int          `xml:"failures,attr"`
	Errors   *int          `xml:"errors,attr"`
	Suites   []schemaSuite `xml:"testsuite"`
}

type schemaSuite struct {
	Name      string       `xml:"name,attr"`
	Tests     int          `xml:"tests,attr"`
	Failures  int          `xml:"failures,attr"`
	Errors    int          `xml:"errors,attr"`
	Skipped   int          `xml:"skipped,attr"`
	Time      float64      `xml:"time,attr"`
	Timestamp string       `xml:"timestamp,attr"`
	Cases     []schemaCase `xml:"testcase"`
}

type schemaCase struct {
	Name      string                                 `xml:"name,attr"`
	Classname string                                 `xml:"classname,attr"`
	Time      float64                                `xml:"time,attr"`
	Failures  []struct{ Message, Type, Text string } `xml:"failure"`
	Errors    []struct{ Message string }             `xml:"error"`
	Skipped   []struct{ Message string }             `xml:"skipped"`
	SystemOut []string                               `xml:"system-out"`
	// Anything else inside a testcase is not in the schema.
	Other []struct{ XMLName xml.Name } `xml:",any"`
}

func TestJUnitHasTheSchemasShape(t *testing.T) {
	for name, r := range map[string]*Report{"failed": failedRun(), "notready": notReadyRun()} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteJUnit(&buf, r); err != nil {
				t.Fatal(err)
			}
			var doc schemaSuites
			if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatalf("JUnit does not parse: %v\n%s", err, buf.String())
			}
			if doc.Tests == nil || doc.Failures == nil || doc.Errors == nil || len(doc.Suites) != 1 {
				t.Fatalf("testsuites got %+v, want counts and one testsuite", doc)
			}
			s := doc.Suites[0]
			if s.Name != r.Project || s.Timestamp != "2026-12-06T01:02:03" {
				t.Errorf("testsuite name %q timestamp %q", s.Name, s.Timestamp)
			}
			if len(s.Cases) != len(r.Services)+1 {
				t.Fatalf("testcases got %d, want one per service plus the run", len(s.Cases))
			}
			var failures, errs, skipped int
			for _, c := range s.Cases {
				if c.Name == "" || c.Classname == "" {
					t.Errorf("testcase %+v lacks name or classname", c)
				}
				if len(c.Other) > 0 {
					t.Errorf("testcase %s has elements outside the schema: %v", c.Name, c.Other)
				}
				if len(c.Failures)+len(c.Errors)+len(c.Skipped) > 1 {
					t.Errorf("testcase %s has more than one of failure, error, skipped", c.Name)
				}
				failures += len(c.Failures)
				errs += len(c.Errors)
				skipped += len(c.Skipped)
			}
			if failures != s.Failures || errs != s.Errors || skipped != s.Skipped || len(s.Cases) != s.Tests || *doc.Failures != s.Failures {
				t.Errorf("counts: suite %d/%d/%d/%d, cases %d/%d/%d/%d", s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), failures, errs, skipped)
			}
			run := s.Cases[len(s.Cases)-1]
			if run.Name != r.Service || !strings.HasSuffix(run.Classname, ".run") {
				t.Errorf("last testcase got %s (%s), want the run", run.Name, run.Classname)
			}
		})
	}
}
