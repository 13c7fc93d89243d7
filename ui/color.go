package ui

import (
	"fmt"

	"github.com/fatih/color"
)

// ANSI modes accepted by --ansi.
const (
	ANSIAuto   = "auto"
	ANSINever  = "never"
	ANSIAlways = "always"
)

// UseColor decides whether output may carry colour. An explicit "always" wins
// over NO_COLOR, as https://no-color.org asks command-line flags to; "auto"
// colours only a terminal whose TERM is not "dumb" and when NO_COLOR is unset
// or empty. environ is the process environment, passed in so that tests do
// not depend on the shell.
func UseColor(ansi string, isTerminal bool, environ map[string]string) (bool, error) {
	switch ansi {
	case ANSIAlways:
		return true, nil
	case ANSINever:
		return false, nil
	case ANSIAuto, "":
		if environ["NO_COLOR"] != "" || environ["TERM"] == "dumb" {
			return false, nil
		}
		return isTerminal, nil
	default:
		return false, fmt.Errorf("--ansi %q: unknown mode (use %q, %q or %q)", ansi, ANSIAuto, ANSINever, ANSIAlways)
	}
}

// paint is a colour function; the identity when colour is off.
type paint func(string) string

// newPaint builds a colour function that ignores fatih/color's global NoColor
// switch (set from the real stdout at init), so that the decision made by
// UseColor is the only one that counts.
func newPaint(on bool, attrs ...color.Attribute) paint {
	if !on {
		return func(s string) string { return s }
	}
	c := color.New(attrs...)
	c.EnableColor()
	return func(s string) string { return c.Sprint(s) }
}

// palette holds the colours of the progress view, matching compose's: green
// for done, bold red for errors, bold yellow for warnings, yellow spinners and
// blue timers.
type palette struct {
	success, failure, warning, spinner, timer paint
}

func newPalette(on bool) palette {
	return palette{
		success: newPaint(on, color.FgGreen),
		failure: newPaint(on, color.FgRed, color.Bold),
		warning: newPaint(on, color.FgYellow, color.Bold),
		spinner: newPaint(on, color.FgYellow),
		timer:   newPaint(on, color.FgBlue),
	}
}

// rainbow is the sequence of colours given to log sources, compose's order,
// so that a stack looks the same under both tools.
func rainbow(on bool) []paint {
	attrs := [][]color.Attribute{
		{color.FgCyan},
		{color.FgYellow},
		{color.FgGreen},
		{color.FgMagenta},
		{color.FgBlue},
		{color.FgCyan, color.Bold},
		{color.FgYellow, color.Bold},
		{color.FgGreen, color.Bold},
		{color.FgMagenta, color.Bold},
		{color.FgBlue, color.Bold},
	}
	out := make([]paint, len(attrs))
	for i, a := range attrs {
		out[i] = newPaint(on, a...)
	}
	return out
}
