package ui

import (
	"strings"

	"github.com/fatih/color"
)

// planSymbol gives each action kind of a plan a symbol: + for what is
// created, ~ for what is replaced, - for what is removed, > for what is
// started or resumed and < for what is stopped, killed or paused (a start
// in reverse). Kinds are the stable names reconcile prints.
func planSymbol(kind string) (string, []color.Attribute, bool) {
	switch kind {
	case "create-network", "create-volume", "build", "create", "connect-network":
		return "+", []color.Attribute{color.FgGreen}, true
	case "recreate":
		return "~", []color.Attribute{color.FgYellow}, true
	case "start", "restart", "unpause":
		return ">", []color.Attribute{color.FgCyan}, true
	case "stop", "kill", "pause":
		return "<", []color.Attribute{color.FgYellow}, true
	case "remove", "remove-network", "remove-volume", "remove-image", "disconnect-network":
		return "-", []color.Attribute{color.FgRed}, true
	}
	return "", nil, false
}

// DecoratePlan adds a symbol in front of every action line of a plan's text
// ("#3 create container shop-web-1" becomes "+ #3 create container
// shop-web-1"), coloured when colored is set, and indents the other lines to
// match. Lines it does not recognise are kept as they are, so a change in
// the plan's text never loses information.
func DecoratePlan(text string, colored bool) string {
	warn := newPaint(colored, color.FgYellow, color.Bold)
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for i, line := range lines {
		switch {
		case line == "":
			continue
		case i == 0 && !strings.HasPrefix(line, "#"):
			// The summary line heads the plan.
			b.WriteString(line)
		case strings.HasPrefix(line, "#"):
			fields := strings.Fields(line)
			sym, attrs, ok := planSymbol(fieldAt(fields, 1))
			if !ok {
				b.WriteString("  " + line)
				continue
			}
			b.WriteString(newPaint(colored, attrs...)(sym) + " " + line)
		case strings.HasPrefix(line, "warning:"):
			b.WriteString(warn(strings.TrimSuffix(line, "\n")) + "\n")
		default:
			b.WriteString("  " + line)
		}
	}
	return b.String()
}

func fieldAt(fields []string, i int) string {
	if i < len(fields) {
		return fields[i]
	}
	return ""
}
