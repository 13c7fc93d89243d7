package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// bgBerth is a berth command running in the background, for tests that
// signal it mid-flight or run several at once.
type bgBerth struct {
	s              *stack
	cmd            *exec.Cmd
	cancel         context.CancelFunc
	stdout, stderr lockedBuffer
	done           chan struct{} // closed once Wait has returned and res is set
	res            result
}

// start runs `berth -p PROJECT args...` in the project directory without
// waiting for it. A process still running when the test ends is killed
// before the project is cleaned up (cleanups run last-registered first).
func (s *stack) start(args ...string) *bgBerth {
	s.t.Helper()
	args = append([]string{"-p", s.project}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	b := &bgBerth{s: s, cancel: cancel, done: make(chan struct{})}
	b.cmd = berthCommand(ctx, s.dir, args...)
	b.cmd.Stdout, b.cmd.Stderr = &b.stdout, &b.stderr
	b.res.args = append([]string{"berth"}, args...)
	if err := b.cmd.Start(); err != nil {
		cancel()
		s.t.Fatalf("start %s: %v", strings.Join(b.res.args, " "), err)
	}
	go func() {
		err := b.cmd.Wait()
		b.res.stdout, b.res.stderr = b.stdout.String(), b.stderr.String()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			b.res.code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				b.res.code = 128 + int(ws.Signal())
			}
		case err != nil:
			b.res.code = -1
			b.res.stderr += "\n" + err.Error()
		}
		cancel()
		close(b.done)
	}()
	s.t.Cleanup(func() {
		b.cancel()
		<-b.done
	})
	return b
}

// lockedBuffer is a buffer the command writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// stderrNow is what the command has written to stderr so far.
func (b *bgBerth) stderrNow() string { return b.stderr.String() }

// exited reports whether the command has finished.
func (b *bgBerth) exited() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// signal sends sig and reports whether the process was still running to
// receive it.
func (b *bgBerth) signal(sig os.Signal) bool {
	b.s.t.Helper()
	if b.exited() {
		return false
	}
	err := b.cmd.Process.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		return false
	}
	if err != nil {
		b.s.t.Fatalf("signal %v to %s: %v", sig, strings.Join(b.res.args, " "), err)
	}
	return true
}

// wait returns the finished command, failing the test if it has not
// finished within limit. The limit is a bound against hanging, not a
// performance assertion.
func (b *bgBerth) wait(limit time.Duration, why string) result {
	b.s.t.Helper()
	select {
	case <-b.done:
		return b.res
	case <-time.After(limit):
		b.cancel()
		<-b.done
		b.s.t.Fatalf("%s did not exit within %s%s\n%v", strings.Join(b.res.args, " "), limit, why, b.res)
		return result{}
	}
}

// waitFor polls cond until it holds or the command ends, whichever comes
// first, and reports whether cond held; it fails the test if neither happens
// within limit. Tests use it to hit a command mid-flight at a known point.
func (b *bgBerth) waitFor(limit time.Duration, what string, cond func() error) bool {
	b.s.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := cond()
		if err == nil {
			return true
		}
		if b.exited() {
			return false
		}
		if time.Now().After(deadline) {
			b.s.t.Fatalf("%s: not within %s while %s ran: %v", what, limit, strings.Join(b.res.args, " "), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runAll starts every command at once and waits for all of them.
func (s *stack) runAll(cmds ...[]string) []result {
	s.t.Helper()
	procs := make([]*bgBerth, len(cmds))
	for i, args := range cmds {
		procs[i] = s.start(args...)
	}
	results := make([]result, len(cmds))
	for i, p := range procs {
		results[i] = p.wait(berthTimeout, "")
	}
	return results
}

// settle waits until the project's containers stop changing. A client
// killed with SIGKILL may leave requests in flight that the daemon still
// completes (a create, a start); the next berth must find them done, not
// race them, for "converges after kill -9" to be a property of berth rather
// than of timing.
func (s *stack) settle() {
	s.t.Helper()
	snap := func() (string, error) {
		return docker("ps", "-a", "--no-trunc", "--filter", "name="+s.project, "--format", "{{.ID}} {{.Names}} {{.State}}")
	}
	prev, err := snap()
	if err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		time.Sleep(time.Second)
		cur, err := snap()
		if err != nil {
			s.t.Fatal(err)
		}
		if cur == prev {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("containers of %s still changing a minute after berth was killed:\n%s", s.project, cur)
		}
		prev = cur
	}
}
