package ci

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
)

// The JUnit XML shape that GitHub (test reporters), GitLab (artifacts:
// reports: junit) and Jenkins (junit step) read: testsuites, one
// testsuite, testcases with failure, error, skipped and system-out.

// JUnitSuites is the document's root.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is the ci run.
type JUnitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []JUnitCase `xml:"testcase"`
}

// JUnitCase is one service of the stack, or the run.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitProblem `xml:"failure,omitempty"`
	Error     *JUnitProblem `xml:"error,omitempty"`
	Skipped   *JUnitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitProblem is a failure or an error.
type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnitSkipped marks a case that never ran.
type JUnitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit turns r into the JUnit document: one test case per service
// (classname "<project>.services"), failed when the service has a
// problem, and one for the run (classname "<project>.run"), failed when
// it exited non-zero, skipped when it never started, an error when berth
// failed.
func JUnit(r *Report) JUnitSuites {
	suite := JUnitSuite{
		Name:      r.Project,
		Time:      secs(r.total()),
		Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
	}
	for _, s := range r.Services {
		c := JUnitCase{Name: s.Name, Classname: r.Project + ".services", Time: secs(0), SystemOut: clean(serviceOut(s))}
		if s.Problem != "" {
			c.Failure = &JUnitProblem{Message: "service " + s.Name + ": " + s.Problem, Type: "not-ready", Text: clean(serviceText(s))}
		}
		suite.Cases = append(suite.Cases, c)
	}
	run := JUnitCase{Name: r.Service, Classname: r.Project + ".run", Time: secs(0)}
	switch {
	case r.Run != nil:
		run.Time = secs(r.Run.Seconds)
		run.SystemOut = clean(lines(r.Run.Logs))
		if r.Run.ExitCode != 0 {
			run.Failure = &JUnitProblem{
				Message: fmt.Sprintf("%s exited with code %d", r.Service, r.Run.ExitCode),
				Type:    "exit-code",
				Text:    clean(lines(r.Run.Logs)),
			}
		}
		if r.Outcome == Errored || r.Outcome == Interrupted {
			run.Error = &JUnitProblem{Message: errorMessage(r), Type: string(r.Outcome), Text: r.Error}
		}
	case r.Outcome == NotReady:
		run.Skipped = &JUnitSkipped{Message: "the stack never became ready"}
	default:
		run.Error = &JUnitProblem{Message: errorMessage(r), Type: string(r.Outcome), Text: r.Error}
	}
	suite.Cases = append(suite.Cases, run)
	for _, c := range suite.Cases {
		suite.Tests++
		switch {
		case c.Error != nil:
			suite.Errors++
		case c.Failure != nil:
			suite.Failures++
		case c.Skipped != nil:
			suite.Skipped++
		}
	}
	return JUnitSuites{
		Name: "berth ci", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Skipped: suite.Skipped, Time: suite.Time, Suites: []JUnitSuite{suite},
	}
}

// WriteJUnit writes r as a JUnit XML document.
func WriteJUnit(w io.Writer, r *Report) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(JUnit(r)); err != nil {
		return fmt.Errorf("encode JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func (r *Report) total() float64 {
	var t float64
	for _, p := range r.Phases {
		t += p.Seconds
	}
	return t
}

func errorMessage(r *Report) string {
	if r.Outcome == Interrupted {
		return "interrupted"
	}
	if first, _, _ := strings.Cut(r.Error, "\n"); first != "" {
		return first
	}
	return "berth failed"
}

// serviceOut is a service's log excerpt, each container's under its name
// when there are several.
func serviceOut(s ServiceReport) string {
	if len(s.Containers) == 1 {
		return lines(s.Containers[0].Logs)
	}
	var b strings.Builder
	for _, c := range s.Containers {
		fmt.Fprintf(&b, "== %s ==\n%s", c.Name, lines(c.Logs))
	}
	return b.String()
}

// serviceText is a failed service's failure body: the same as the text
// report, without the logs, which are in system-out.
func serviceText(s ServiceReport) string {
	var b strings.Builder
	for _, c := range s.Containers {
		fmt.Fprintf(&b, "container %s: %s", c.Name, c.State)
		if c.Health != "" {
			fmt.Fprintf(&b, " (health: %s)", c.Health)
		}
		fmt.Fprintf(&b, ", exit code %d, restarts %d\n", c.ExitCode, c.RestartCount)
		if c.Probe != "" {
			fmt.Fprintf(&b, "last health probe: %s\n", c.Probe)
		}
	}
	return b.String()
}

func lines(ls []string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

// ansi matches terminal escape sequences (colours, cursor moves), which
// test output is full of and XML cannot carry. It is compiled on first
// use, not at start, which every berth process would pay for.
var ansi = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]`)
})

// clean makes log text fit for XML 1.0: escape sequences go, and other
// control characters, which XML forbids, become spaces.
func clean(s string) string {
	s = ansi().ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' {
			return ' '
		}
		return r
	}, s)
}

func secs(s float64) string { return fmt.Sprintf("%.3f", s) }
