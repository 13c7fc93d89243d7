package ui

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ANSI escapes used to redraw in place.
const (
	escHideCursor = "\x1b[?25l"
	escShowCursor = "\x1b[?25h"
	escClearLine  = "\x1b[K"
)

// spinnerFrames are compose's braille spinner, one rune per frame.
const spinnerFrames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

// ttyProgress is the live view: a header and one line per resource, redrawn
// in place on every tick so that spinners and timers move while an operation
// is slow.
type ttyProgress struct {
	mu     sync.Mutex
	w      io.Writer
	opts   ProgressOptions
	pal    palette
	tr     tracker
	drawn  int // lines drawn by the previous frame, to move the cursor back up
	closed bool

	stop chan struct{} // closed by Close to end the redraw loop
	done chan struct{} // closed by the redraw loop when it has ended
}

func newTTY(w io.Writer, opts ProgressOptions) *ttyProgress {
	if opts.Tick <= 0 {
		opts.Tick = 100 * time.Millisecond
	}
	if opts.Title == "" {
		opts.Title = "Running"
	}
	p := &ttyProgress{
		w:    w,
		opts: opts,
		pal:  newPalette(opts.Color),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go p.loop()
	return p
}

// loop redraws until Close. It is the only goroutine ui starts; Close waits
// for it, so no write happens after Close returns.
func (p *ttyProgress) loop() {
	defer close(p.done)
	t := time.NewTicker(p.opts.Tick)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

func (p *ttyProgress) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.tr.update(e, p.opts.Now())
}

func (p *ttyProgress) Interrupt() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.tr.interrupt(p.opts.Now())
	p.draw()
}

func (p *ttyProgress) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw()
}

// draw writes one frame over the previous one. Callers hold p.mu.
func (p *ttyProgress) draw() {
	if len(p.tr.order) == 0 {
		return
	}
	lines := p.frame(p.opts.Now())
	var b strings.Builder
	b.WriteString(escHideCursor)
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	for _, l := range lines {
		b.WriteString("\r")
		b.WriteString(l)
		b.WriteString(escClearLine)
		b.WriteString("\n")
	}
	b.WriteString(escShowCursor)
	p.drawn = len(lines)
	_, _ = io.WriteString(p.w, b.String())
}

// row is one resource line before colouring, so widths are computed on the
// visible text.
type row struct {
	status                    Status
	symbol, id, text, details string
	timer                     string
}

// frame renders the header and every resource line at time now.
func (p *ttyProgress) frame(now time.Time) []string {
	rows := make([]row, len(p.tr.order))
	for i, k := range p.tr.order {
		end := now
		if k.status.finished() {
			end = k.end
		}
		details := k.details
		if k.err != nil {
			details = strings.TrimSpace(details + " " + k.err.Error())
		}
		rows[i] = row{
			status:  k.status,
			symbol:  symbol(k.status, now.Sub(k.start)),
			id:      k.id,
			text:    k.text,
			details: details,
			timer:   fmt.Sprintf("%.1fs", end.Sub(k.start).Seconds()),
		}
	}
	fitWidth(rows, p.opts.Width)

	var idW, textW, leftW, timerW int
	for _, r := range rows {
		idW = max(idW, utf8.RuneCountInString(r.id))
		textW = max(textW, utf8.RuneCountInString(r.text))
		timerW = max(timerW, len(r.timer))
	}
	for _, r := range rows {
		leftW = max(leftW, leftWidth(r, idW, textW))
	}

	lines := []string{fmt.Sprintf("[+] %s %d/%d", p.opts.Title, p.tr.done(), len(rows))}
	for _, r := range rows {
		var b strings.Builder
		b.WriteString(" ")
		b.WriteString(p.symbolColor(r.status)(r.symbol))
		b.WriteString(" ")
		b.WriteString(padRight(r.id, idW))
		b.WriteString("  ")
		b.WriteString(p.statusColor(r.status)(padRight(r.text, textW)))
		if r.details != "" {
			b.WriteString(" ")
			b.WriteString(r.details)
		}
		b.WriteString(strings.Repeat(" ", leftW-leftWidth(r, idW, textW)+2))
		b.WriteString(p.pal.timer(padLeft(r.timer, timerW)))
		lines = append(lines, b.String())
	}
	return lines
}

// leftWidth is the visible width of a line before its timer.
func leftWidth(r row, idW, textW int) int {
	w := 3 + idW + 2 + textW
	if r.details != "" {
		w += 1 + utf8.RuneCountInString(r.details)
	}
	return w
}

// fitWidth shortens details, then IDs, so that no line wraps: a wrapped line
// takes two rows and moving the cursor up by the line count would leave
// stale rows behind.
func fitWidth(rows []row, width int) {
	if width <= 0 {
		return
	}
	var idW, textW, timerW int
	for _, r := range rows {
		idW = max(idW, utf8.RuneCountInString(r.id))
		textW = max(textW, utf8.RuneCountInString(r.text))
		timerW = max(timerW, len(r.timer))
	}
	// One column is kept free: writing the last column makes some
	// terminals wrap early.
	room := width - 1 - (3 + 2 + textW + 2 + timerW)
	for i := range rows {
		r := &rows[i]
		if r.details == "" {
			continue
		}
		keep := room - idW - 1
		if keep < 4 {
			// Too little room for a useful excerpt.
			keep = 0
		}
		r.details = ellipsis(r.details, keep)
	}
	if idW > room {
		for i := range rows {
			rows[i].id = ellipsis(rows[i].id, max(room, 1))
		}
	}
}

func (p *ttyProgress) symbolColor(s Status) paint {
	switch s {
	case StatusDone:
		return p.pal.success
	case StatusWarning:
		return p.pal.warning
	case StatusError:
		return p.pal.failure
	default:
		return p.pal.spinner
	}
}

func (p *ttyProgress) statusColor(s Status) paint {
	switch s {
	case StatusDone:
		return p.pal.success
	case StatusWarning:
		return p.pal.warning
	case StatusError:
		return p.pal.failure
	default:
		return func(s string) string { return s }
	}
}

// symbol is compose's: a tick, a cross, a bang, or a spinner frame chosen by
// elapsed time so that a frame is a pure function of the clock.
func symbol(s Status, elapsed time.Duration) string {
	switch s {
	case StatusDone:
		return "✔"
	case StatusError:
		return "✘"
	case StatusWarning:
		return "!"
	default:
		frames := []rune(spinnerFrames)
		return string(frames[int(elapsed/(100*time.Millisecond))%len(frames)])
	}
}

func padRight(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-utf8.RuneCountInString(s)))
}

func padLeft(s string, w int) string {
	return strings.Repeat(" ", max(0, w-utf8.RuneCountInString(s))) + s
}

// ellipsis shortens s to at most n runes, ending in "…" when cut.
func ellipsis(s string, n int) string {
	r := []rune(s)
	switch {
	case len(r) <= n:
		return s
	case n <= 0:
		return ""
	case n == 1:
		return "…"
	default:
		return string(r[:n-1]) + "…"
	}
}
