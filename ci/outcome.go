package ci

// Exit codes of `berth ci` besides the run's own. A passing run exits 0
// and a failing one with its service's exit code; these mark what is not
// the test's verdict. They avoid compose's 1 (an error), 18 (a pull
// failed) and 130 (interrupted), and borrow meanings people know:
// timeout(1)'s 124 and docker run's 125.
const (
	// ExitNotReady: the stack never became ready (a service exited
	// non-zero, turned unhealthy, or --wait-timeout passed); the run did
	// not start.
	ExitNotReady = 124
	// ExitBerthFailed: berth itself failed (a bad compose file, an
	// unreachable engine, a failed build or pull, a failed teardown), so
	// nothing can be said about the tests.
	ExitBerthFailed = 125
	// ExitInterrupted: SIGINT or SIGTERM ended the run; the stack was
	// still torn down.
	ExitInterrupted = 130
)

// Outcome is how a ci run ended, in the report's "outcome".
type Outcome string

const (
	Passed      Outcome = "passed"      // the run exited 0
	Failed      Outcome = "failed"      // the run exited non-zero
	NotReady    Outcome = "not-ready"   // the stack never became ready
	Errored     Outcome = "error"       // berth failed
	Interrupted Outcome = "interrupted" // a signal ended it
)

// ExitCode is the process's exit code for an outcome; runCode is the
// run's exit code, used for Passed and Failed.
func ExitCode(o Outcome, runCode int) int {
	switch o {
	case Passed:
		return 0
	case Failed:
		if runCode == 0 {
			return 1
		}
		return runCode
	case NotReady:
		return ExitNotReady
	case Interrupted:
		return ExitInterrupted
	}
	return ExitBerthFailed
}
