package native

import (
	"context"
	"io"
	"math"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
)

// firstSizeWait bounds how long an exec with a terminal waits for the
// caller's size before it starts. The caller sends it at once (the exec
// counts as started when Exec is called), so this is a wait of
// microseconds, and it spares programs that read the size once at start
// (stty size, a shell's first prompt) a resize just after.
const firstSizeWait = 100 * time.Millisecond

// execTTY runs process (JSON, see monitor.Runc.Exec), which has a terminal, with that terminal's size
// following the caller's (s.Resize), as `docker exec -it` does.
func execTTY(ctx context.Context, r monitor.Runc, id string, process []byte, s engine.Streams, stdout io.Writer) (int, error) {
	// One slot: only the latest size matters.
	sizes := make(chan monitor.TermSize, 1)
	select {
	case sz, ok := <-s.Resize:
		if ok {
			sizes <- termSize(sz)
		}
	case <-time.After(firstSizeWait):
	case <-ctx.Done():
	}
	done := make(chan struct{})
	defer close(done)
	go forwardSizes(done, s.Resize, sizes)
	return r.ExecTTY(ctx, id, process, s.Stdin, stdout, sizes)
}

// forwardSizes passes the sizes from in to out until done is closed or in
// ends, replacing a size out has not taken yet: this is out's only
// sender, so the send after the drain never blocks.
func forwardSizes(done <-chan struct{}, in <-chan engine.Size, out chan monitor.TermSize) {
	for {
		select {
		case <-done:
			return
		case sz, ok := <-in:
			if !ok {
				return
			}
			select {
			case <-out:
			default:
			}
			out <- termSize(sz)
		}
	}
}

func termSize(sz engine.Size) monitor.TermSize {
	clamp := func(n uint) uint16 { return uint16(min(n, math.MaxUint16)) }
	return monitor.TermSize{Rows: clamp(sz.Height), Cols: clamp(sz.Width)}
}
