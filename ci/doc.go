// Package ci is what `berth ci` knows beyond the commands it reuses: which
// CI job a run belongs to and so which project name it gets (JobID,
// ProjectName), what its outcome means as an exit code (Outcome, the
// Exit constants), and the report of a run: its timings, exit codes and,
// per service, state, health and log excerpts (Report, Collect), rendered
// for people (WriteFailures), as JSON (WriteJSON) and as JUnit XML
// (WriteJUnit).
//
// Nothing here drives the stack; cmd/berth brings it up, waits, runs and
// tears it down with the same code as up, run and down, and hands this
// package plain values.
package ci
