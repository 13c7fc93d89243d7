package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// report renders one bench run as Markdown: the same text goes to stdout
// and to RESULTS.md.
type report struct {
	Machine machine
	Config  config
	Results *results
	// Tools are the tools measured, in column order; absent ones are left
	// out of the table and explained under Setup.
	Tools []string
	// Interrupted marks a partial run.
	Interrupted bool
}

func toolTitle(tool string) string {
	switch tool {
	case toolCompose:
		return "docker compose"
	case toolV1:
		return "docker-compose v1"
	case toolFloor:
		return "engine floor"
	}
	return tool
}

// floorOps are the operations the floor has an equivalent for.
func floorOps() []string { return []string{opColdUp, opChange, opDown} }

func (rp report) write(w io.Writer) error {
	var b strings.Builder
	m := rp.Machine
	b.WriteString("# berth benchmarks\n\n")
	if rp.Interrupted {
		b.WriteString("**Interrupted: partial results.**\n\n")
	}
	fmt.Fprintf(&b, "Measured %s at berth commit %s. Reproduce with `make bench` (`go run ./bench`); see bench/README.md for what each column means.\n\n",
		m.Date.UTC().Format("2006-01-02 15:04 MST"), m.Commit)

	b.WriteString("## Setup\n\n")
	fmt.Fprintf(&b, "- Machine: %d CPUs (nproc), %s memory, kernel %s\n", m.CPUs, m.Memory, m.Kernel)
	if m.Steal != "" {
		fmt.Fprintf(&b, "- CPU steal during the run (from /proc/stat): %s went to other guests of the host; the higher, the noisier the figures\n", m.Steal)
	}
	fmt.Fprintf(&b, "- dockerd %s\n", m.Dockerd)
	for _, t := range allTools() {
		if v, ok := m.Tools[t]; ok {
			fmt.Fprintf(&b, "- %s: %s\n", toolTitle(t), v)
		}
	}
	fmt.Fprintf(&b, "- Image: %s; every stack is a binary tree of `depends_on` (service i depends on (i-1)/2) on two networks, every fifth service mounting one named volume\n", m.Image)
	if len(rp.Config.Sizes) > 0 {
		fmt.Fprintf(&b, "- Runs: %s, with %d one-service changes and %d measurements of each cheap operation (config -q, no-op up, ps, logs) in each; each figure is the median of all samples, peak RSS the median of their peaks\n", rp.runsText(), rp.Config.Changes, rp.Config.Repeats)
		fmt.Fprintf(&b, "- Engine floor: at most %d engine calls in flight\n", rp.Config.Parallel)
	} else {
		fmt.Fprintf(&b, "- Runs: %s; each figure is the median of all samples, RSS the median of their peaks\n", rp.runsText())
	}
	if rp.Results.CICycle {
		fmt.Fprintf(&b, "- CI cycle: %d services (a one-shot the others wait for, a service with a healthcheck, a tree of %d, and `%s`, kept out of up by a profile); "+
			"berth: `berth ci --no-reap %s` (and `berth ci %s`, reaper on); docker compose: `up -d --wait`, `run --rm %s`, `down -v --remove-orphans`, timed as one\n",
			ciServices, ciTree, ciTests, ciTests, ciTests, ciTests)
	}
	b.WriteString("\n")

	b.WriteString("## Results\n\n")
	writeTable(&b, rp.table())
	b.WriteString("\n")

	b.WriteString("## Targets\n\n")
	rows := [][]string{{"target", "measured", "status"}}
	for _, t := range evalTargets(rp.Results, rp.Config.Sizes) {
		rows = append(rows, []string{t.Desc, orDash(t.Measured), t.Status})
	}
	writeTable(&b, rows)
	b.WriteString("\n")

	rp.writeMonitors(&b)

	if problems := rp.problems(); len(problems) > 0 {
		b.WriteString("## Problems\n\nThese make some figures above suspect or missing.\n\n")
		for _, p := range problems {
			fmt.Fprintf(&b, "- %s\n", p)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// runsText says how many runs each tool got, naming the exceptions.
func (rp report) runsText() string {
	s := fmt.Sprintf("%d per operation", rp.Config.Runs)
	var except []string
	for _, t := range rp.Tools {
		for _, size := range rp.Config.Sizes {
			if n := rp.Config.runsFor(t, size); n != rp.Config.Runs {
				except = append(except, fmt.Sprintf("%s at %d services: %d", toolTitle(t), size, n))
			}
		}
	}
	if len(except) > 0 {
		s += " (" + strings.Join(except, "; ") + ", to keep a full run near 20 minutes)"
	}
	return s
}

func (rp report) table() [][]string {
	r := rp.Results
	head := []string{"operation", "services"}
	for _, t := range rp.Tools {
		head = append(head, toolTitle(t))
	}
	// berth on dockerd is compared with the other tools on dockerd; the
	// native engine is compared with it the other way round, native/berth,
	// as the targets put it.
	others := slices.DeleteFunc(slices.Clone(rp.Tools), func(t string) bool { return t == toolBerth || t == toolNative })
	hasBerth := slices.Contains(rp.Tools, toolBerth)
	hasNative := hasBerth && slices.Contains(rp.Tools, toolNative)
	if hasBerth {
		for _, t := range others {
			head = append(head, "berth/"+shortName(t))
		}
	}
	if hasNative {
		head = append(head, "native/berth")
	}
	var cli []string
	for _, t := range rp.Tools {
		if t != toolFloor {
			cli = append(cli, t)
			head = append(head, shortName(t)+" RSS")
		}
	}
	head = append(head, "target")
	rows := [][]string{head}
	targets := evalTargets(r, rp.Config.Sizes)
	type cell struct {
		op   string
		size int
	}
	var cells []cell
	for _, op := range allOps() {
		for _, size := range rp.Config.Sizes {
			cells = append(cells, cell{op, size})
		}
	}
	if r.CICycle {
		for _, op := range ciOps() {
			cells = append(cells, cell{op, ciServices})
		}
	}
	for _, c := range cells {
		op, size := c.op, c.size
		row := []string{op, fmt.Sprint(size)}
		for _, t := range rp.Tools {
			row = append(row, rp.cell(t, op, size))
		}
		if hasBerth {
			for _, t := range others {
				row = append(row, ratioCell(r, toolBerth, t, op, size))
			}
		}
		if hasNative {
			row = append(row, ratioCell(r, toolNative, toolBerth, op, size))
		}
		for _, t := range cli {
			if rss, ok := r.medianRSS(key{t, op, size}); ok {
				row = append(row, fmtMiB(rss))
			} else {
				row = append(row, "–")
			}
		}
		var tg []string
		for _, t := range targets {
			if t.Op == op && t.Size == size {
				tg = append(tg, shortTarget(t)+": "+shortStatus(t.Status))
			}
		}
		row = append(row, orDash(strings.Join(tg, "; ")))
		rows = append(rows, row)
	}
	return rows
}

// ratioCell is tool's median over other's for op at size, or a dash.
func ratioCell(r *results, tool, other, op string, size int) string {
	if x, ok := r.ratioOf(tool, other, op, size); ok {
		return fmt.Sprintf("%.2f×", x)
	}
	return "–"
}

// cell is one tool's median for op at size, or why there is none.
func (rp report) cell(tool, op string, size int) string {
	k := key{tool, op, size}
	if rp.Results.failed(tool, op, size) {
		return "failed"
	}
	if d, ok := rp.Results.median(k); ok {
		return fmtDuration(d)
	}
	if tool == toolFloor && !slices.Contains(floorOps(), op) {
		return "–"
	}
	if tool == toolV1 && op == opPsJSON {
		return "n/a"
	}
	if slices.Contains(ciOps(), op) && ciSteps(tool, op) == nil && tool != toolFloor {
		return "n/a"
	}
	return "–"
}

// problems lists failures and notes, sorted so that reports diff cleanly.
func (rp report) problems() []string {
	var out []string
	for k, msg := range rp.Results.Failed {
		// In full: the tool's own message comes last, after the command
		// line and its progress (see excerpt), and is what explains it.
		out = append(out, fmt.Sprintf("%s `%s` on %d services failed: %s", toolTitle(k.Tool), k.Op, k.Size, flatten(msg)))
	}
	for n, count := range rp.Results.Notes {
		if count > 1 {
			n += fmt.Sprintf(" (%d runs)", count)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	if st := rp.Results.Stranded; len(st) > 0 {
		out = append(out, fmt.Sprintf("Networks left behind by that dockerd bug, in their own 10.x subnets, until dockerd restarts: %d project(s) (%s)",
			len(st), strings.Join(st, ", ")))
	}
	return out
}

func shortName(tool string) string {
	switch tool {
	case toolCompose:
		return "compose"
	case toolV1:
		return "v1"
	}
	return tool
}

// shortTarget is the limit part of a target, for the results table, with
// the tool it judges when that is not berth.
func shortTarget(t targetResult) string {
	_, limit, ok := strings.Cut(t.Desc, "≤ ")
	if !ok {
		return t.Desc
	}
	if t.Tool != "" {
		return shortName(t.Tool) + " ≤ " + limit
	}
	return "≤ " + limit
}

func shortStatus(s string) string {
	if strings.HasPrefix(s, statusNotMeasure) {
		return "n/m"
	}
	return s
}

func oneLine(s string) string {
	s = flatten(s)
	if utf8.RuneCountInString(s) > 300 {
		s = string([]rune(s)[:300]) + "…"
	}
	return s
}

// flatten puts s on one line that a Markdown list or table can hold.
func flatten(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// writeTable writes rows as a Markdown table with the first row as header,
// padded so that it also reads well as plain text.
func writeTable(b *strings.Builder, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(row []string) {
		b.WriteString("|")
		for i, c := range row {
			fmt.Fprintf(b, " %s%s |", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		b.WriteString("\n")
	}
	line(rows[0])
	b.WriteString("|")
	for _, w := range width {
		b.WriteString(strings.Repeat("-", w+2) + "|")
	}
	b.WriteString("\n")
	for _, row := range rows[1:] {
		line(row)
	}
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func fmtMiB(b int64) string { return fmt.Sprintf("%.1f MiB", mib(b)) }
