package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
)

// TestStatsNoStream: berth stats --no-stream reads the daemon's stats of
// the project's running containers once, in docker stats' JSON shape.
func TestStatsNoStream(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  a:
    image: @IMAGE@
    mem_limit: 64m
  b:
    image: @IMAGE@
`)
	s.mustBerth("up", "-d")
	s.mustBerth("stop", "b")
	r := s.mustBerth("stats", "--no-stream", "--format", "json")
	lines := nonEmptyLines(r.stdout)
	if len(lines) != 1 {
		t.Fatalf("stats --no-stream printed %d lines, want one for the running a\n%v", len(lines), r)
	}
	var row struct{ ID, Container, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs string }
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil {
		t.Fatalf("stats line %q: %v", lines[0], err)
	}
	id := s.ids()[s.name("a", 1)]
	if row.Name != s.name("a", 1) || row.ID != id[:12] || !strings.HasSuffix(row.CPUPerc, "%") ||
		!strings.HasSuffix(row.MemUsage, " / 64MiB") || row.PIDs == "0" || !strings.Contains(row.NetIO, " / ") {
		t.Errorf("stats row got %+v, want a's container %.12s with a 64MiB limit and its processes", row, id)
	}
	r = s.mustBerth("stats", "--no-stream", "-a")
	lines = nonEmptyLines(r.stdout)
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "CONTAINER ID NAME CPU % MEM USAGE / LIMIT MEM % NET I/O BLOCK I/O PIDS" {
		t.Errorf("stats --no-stream -a printed\n%s\nwant the header and both containers", r.stdout)
	}
}

// TestStatsStream: without --no-stream, berth stats keeps printing fresh
// readings until it is stopped.
func TestStatsStream(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  a:
    image: @IMAGE@
`)
	s.mustBerth("up", "-d")
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	var out, errOut lockedBuffer
	cmd := berthCommand(ctx, s.dir, "-p", s.project, "stats", "--format", "json")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	itest.Eventually(t, 30*time.Second, "three readings of a", func() error {
		if n := strings.Count(out.String(), `"Name":"`+s.name("a", 1)+`"`); n < 3 {
			return fmt.Errorf("%d readings so far; stdout:\n%s\nstderr:\n%s", n, out.String(), errOut.String())
		}
		return nil
	})
}
