package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Status is where a resource's operation stands.
type Status string

// Statuses, with the names docker compose prints in --progress json.
const (
	StatusWaiting Status = "Waiting"
	StatusWorking Status = "Working"
	StatusDone    Status = "Done"
	StatusWarning Status = "Warning"
	StatusError   Status = "Error"
)

// finished reports whether no more progress is expected for a resource.
func (s Status) finished() bool {
	return s == StatusDone || s == StatusWarning || s == StatusError
}

// Event reports progress on one resource. Events for the same ID update one
// line of the live view.
type Event struct {
	ID      string // resource kind and name, e.g. "Container shop-db-1"
	Status  Status
	Text    string // what happens, e.g. "Creating", "Started"
	Details string // optional extra, e.g. the reason for a recreate
	Err     error  // set with StatusError
}

// interruptedText is shown for every resource still in flight when the user
// interrupts: its operation may or may not have completed.
const interruptedText = "Interrupted"

// Progress renders events as they arrive. All methods are safe for concurrent
// use.
type Progress interface {
	// Event records and shows one event.
	Event(e Event)
	// Interrupt marks every resource whose operation has not finished as
	// interrupted, after the user pressed Ctrl-C.
	Interrupt()
	// Close stops any redrawing and prints the final state. Events after
	// Close are ignored. Close is idempotent.
	Close()
}

// ProgressMode selects a progress renderer.
type ProgressMode string

// Progress modes accepted by --progress.
const (
	ProgressAuto  ProgressMode = "auto"
	ProgressTTY   ProgressMode = "tty"
	ProgressPlain ProgressMode = "plain"
	ProgressJSON  ProgressMode = "json"
	ProgressQuiet ProgressMode = "quiet"
)

// ResolveProgress turns --progress and --ansi into a concrete mode, as
// docker compose does: "auto" draws the live view only on a terminal and
// only when ANSI escapes are allowed. isTerminal is about the writer the
// progress is drawn on.
func ResolveProgress(progress, ansi string, isTerminal bool) (ProgressMode, error) {
	switch ProgressMode(progress) {
	case "", ProgressAuto:
		if ansi != ANSINever && isTerminal {
			return ProgressTTY, nil
		}
		return ProgressPlain, nil
	case ProgressTTY:
		if ansi == ANSINever {
			return "", fmt.Errorf("--progress tty draws with ANSI escapes, which --ansi never forbids: use --progress plain, or drop --ansi never")
		}
		return ProgressTTY, nil
	case ProgressPlain, ProgressJSON, ProgressQuiet:
		return ProgressMode(progress), nil
	case "none":
		return ProgressQuiet, nil
	default:
		return "", fmt.Errorf("--progress %q: unknown mode (use auto, tty, plain, json or quiet)", progress)
	}
}

// ProgressOptions configure NewProgress.
type ProgressOptions struct {
	Mode  ProgressMode // ProgressAuto is treated as plain: resolve it first
	Color bool
	// Title heads the live view, e.g. "Running" gives "[+] Running 2/3".
	Title string
	// Width is the terminal's width in columns; 0 when unknown. The live
	// view truncates its lines to it, since a wrapped line would break
	// redrawing in place.
	Width int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Tick is how often the live view redraws; 0 means 100ms.
	Tick time.Duration
}

// NewProgress returns the renderer for opts.Mode writing to w.
func NewProgress(w io.Writer, opts ProgressOptions) Progress {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch opts.Mode {
	case ProgressTTY:
		return newTTY(w, opts)
	case ProgressJSON:
		return &lineProgress{w: w, now: opts.Now, format: formatJSON}
	case ProgressQuiet:
		return &lineProgress{w: io.Discard, now: opts.Now, format: formatPlain}
	default:
		return &lineProgress{w: w, now: opts.Now, format: formatPlain}
	}
}

// task is the last known state of one resource.
type task struct {
	id         string
	status     Status
	text       string
	details    string
	err        error
	start, end time.Time
}

// tracker keeps resources in the order they first appeared.
type tracker struct {
	order []*task
	byID  map[string]*task
}

func (t *tracker) update(e Event, now time.Time) *task {
	if t.byID == nil {
		t.byID = map[string]*task{}
	}
	k, ok := t.byID[e.ID]
	if !ok {
		k = &task{id: e.ID, start: now}
		t.byID[e.ID] = k
		t.order = append(t.order, k)
	}
	if e.Status.finished() && !k.status.finished() {
		k.end = now
	}
	if !e.Status.finished() {
		k.end = time.Time{}
	}
	k.status, k.text, k.details, k.err = e.Status, e.Text, e.Details, e.Err
	return k
}

// interrupt marks unfinished tasks and returns them as events.
func (t *tracker) interrupt(now time.Time) []Event {
	var out []Event
	for _, k := range t.order {
		if k.status.finished() {
			continue
		}
		e := Event{ID: k.id, Status: StatusWarning, Text: interruptedText}
		t.update(e, now)
		out = append(out, e)
	}
	return out
}

func (t *tracker) done() int {
	n := 0
	for _, k := range t.order {
		if k.status.finished() {
			n++
		}
	}
	return n
}

// lineProgress writes one line per event: plain text, JSON, or nothing.
type lineProgress struct {
	mu     sync.Mutex
	w      io.Writer
	now    func() time.Time
	format func(Event, *task) string
	tr     tracker
	closed bool
}

func (p *lineProgress) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	k := p.tr.update(e, p.now())
	_, _ = io.WriteString(p.w, p.format(e, k))
}

func (p *lineProgress) Interrupt() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	for _, e := range p.tr.interrupt(p.now()) {
		_, _ = io.WriteString(p.w, p.format(e, p.tr.byID[e.ID]))
	}
}

func (p *lineProgress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
}

// formatPlain gives "Container shop-db-1  Created", with details or the
// error after two more spaces.
func formatPlain(e Event, _ *task) string {
	line := e.ID + "  " + e.Text
	if e.Details != "" {
		line += "  " + e.Details
	}
	if e.Err != nil {
		line += "  " + e.Err.Error()
	}
	return line + "\n"
}

// jsonEvent is the --progress json record; field names are stable. id,
// status, text, details and error are compose's; resource and name split
// the id ("container", "shop-db-1"), and duration_ms, on the event that
// finishes a resource, is how long its operation took, for CI logs.
type jsonEvent struct {
	ID         string `json:"id"`
	Resource   string `json:"resource,omitempty"`
	Name       string `json:"name,omitempty"`
	Status     Status `json:"status"`
	Text       string `json:"text,omitempty"`
	Details    string `json:"details,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS *int64 `json:"duration_ms,omitempty"`
}

func formatJSON(e Event, k *task) string {
	rec := jsonEvent{ID: e.ID, Status: e.Status, Text: e.Text, Details: e.Details}
	if kind, name, ok := strings.Cut(e.ID, " "); ok {
		rec.Resource, rec.Name = strings.ToLower(kind), name
	}
	if e.Err != nil {
		rec.Error = e.Err.Error()
	}
	if k != nil && e.Status.finished() && !k.end.IsZero() {
		ms := k.end.Sub(k.start).Milliseconds()
		rec.DurationMS = &ms
	}
	b, err := json.Marshal(rec)
	if err != nil {
		// Unreachable: every field is a string.
		return fmt.Sprintf("{\"id\":%q,\"error\":%q}\n", e.ID, err.Error())
	}
	return string(b) + "\n"
}
