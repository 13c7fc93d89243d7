// Package running answers questions about a project's containers once they
// run, for the commands that ask rather than converge: which processes run
// in them (Top), where a private port is published (Port, and all of them: Published), which of them
// `wait` waits for (Waitable; following their exits is package follow's),
// and which compose projects an engine holds at all (Projects).
//
// Like reconcile, it never looks at a container without the project label:
// callers hand it lists filtered by project, and Projects reads the
// label-filtered list of every project.
package running
