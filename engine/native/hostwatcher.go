package native

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
)

var _ engine.HostWatcher = (*Engine)(nil)

// A host watcher (the reaper of `up --reap`) is a process of the host,
// not a container: it needs the host itself (root, the state directory,
// runc, the bridges), which a container would have to be given whole.
// Each has a directory, <root>/leases/<id>, holding its record
// (lease.json), its output (watcher.log), its exit code once the berth
// that started it saw it end (exit), and the lock file it holds for its
// whole life (monitor.lock, the monitor's kind of lock): the lock, not
// the pid, says whether it runs.
const (
	leasesDir     = "leases"
	leaseRecord   = "lease.json"
	leaseLog      = "watcher.log"
	leaseExit     = "exit"
	watcherLockFD = 3 // the inherited lock, as a monitor's
)

// hostLease is a host watcher's record.
type hostLease struct {
	ID, Name string
	Labels   map[string]string
	Command  []string
	Created  time.Time
	// Pid is the watcher's; Holder the berth's that started it and
	// records its exit code.
	Pid, Holder int
}

func (e *Engine) leaseDir(id string) string { return filepath.Join(e.root, leasesDir, id) }

// StartHostWatcher runs spec.Command as a process of the host, in a
// session of its own, with the native engine's settings in its
// environment and its stdin a pipe whose other end is the returned
// connection: when the holder closes it or dies, the watcher reads the
// end of its input.
func (e *Engine) StartHostWatcher(ctx context.Context, spec engine.WatcherSpec) (engine.WatcherConn, error) {
	op := "start host watcher " + spec.Name
	if len(spec.Command) == 0 {
		return nil, fmt.Errorf("%s: no command", op)
	}
	base := filepath.Join(e.root, leasesDir)
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	id := newID()
	// Made under a hidden name, then renamed: a lease directory is
	// locked from the moment others can see it.
	tmp := filepath.Join(base, "."+id)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	cmd, w, err := e.spawnWatcher(tmp, spec.Command)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	conn := &hostWatcherConn{w: w, done: make(chan struct{}), exited: make(chan struct{})}
	dir := e.leaseDir(id)
	go conn.wait(cmd, e, id, tmp)
	fail := func(err error) (engine.WatcherConn, error) {
		_ = cmd.Process.Kill()
		<-conn.exited
		_ = conn.Close()
		os.RemoveAll(tmp)
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	rec := hostLease{ID: id, Name: spec.Name, Labels: spec.Labels, Command: spec.Command, Created: time.Now(), Pid: cmd.Process.Pid, Holder: os.Getpid()}
	if err := writeJSON(filepath.Join(tmp, leaseRecord), rec); err != nil {
		return fail(err)
	}
	err = e.locked(func() error {
		if l, _ := e.findHostLease(spec.Name); l != nil {
			return fmt.Errorf("the name is in use by host watcher %s: %w", shortID(l.ID), engine.ErrConflict)
		}
		return os.Rename(tmp, dir)
	})
	if err != nil {
		return fail(err)
	}
	if spec.Ready != "" {
		if err := waitWatcherReady(ctx, filepath.Join(dir, leaseLog), spec.Ready, conn.exited); err != nil {
			return fail(err)
		}
	}
	return conn, nil
}

// spawnWatcher starts argv holding dir's lock, with its output in dir's
// log, and returns it with the write end of its stdin.
func (e *Engine) spawnWatcher(dir string, argv []string) (*exec.Cmd, *os.File, error) {
	lock, err := monitor.Lock(dir)
	if err != nil {
		return nil, nil, err
	}
	defer lock.Close() // the watcher's copy holds it
	log, err := os.OpenFile(filepath.Join(dir, leaseLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	defer log.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = "/"
	// The engine's own settings: the watcher reaches the same state
	// however this berth was told to use it (flags or environment).
	cmd.Env = append(os.Environ(), "BERTH_ENGINE=native", "BERTH_ROOT="+e.root, "BERTH_RUNC="+e.runc.Path)
	cmd.Stdin = r
	// A file, not a pipe: a watcher writing to a pipe nobody reads any
	// more would die of SIGPIPE halfway through its work.
	cmd.Stdout, cmd.Stderr = log, log
	cmd.ExtraFiles = []*os.File{lock} // fd watcherLockFD
	// A session of its own: the terminal's Ctrl-C and berth's death do
	// not reach it; the end of its input does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	return cmd, w, nil
}

// waitWatcherReady waits until the watcher's log holds ready; a watcher
// that exits first fails with its output.
func waitWatcherReady(ctx context.Context, log, ready string, exited <-chan struct{}) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		out, _ := os.ReadFile(log)
		if bytes.Contains(out, []byte(ready)) {
			return nil
		}
		select {
		case <-exited:
			out, _ = os.ReadFile(log)
			if bytes.Contains(out, []byte(ready)) {
				return nil
			}
			return fmt.Errorf("it exited before printing %q; its output: %s", ready, bytes.TrimSpace(out))
		case <-ctx.Done():
			return fmt.Errorf("it did not print %q in time: %w; its output: %s", ready, ctx.Err(), bytes.TrimSpace(out))
		case <-t.C:
		}
	}
}

// hostWatcherConn is the holder's end of a host watcher.
type hostWatcherConn struct {
	w      *os.File
	once   sync.Once
	done   chan struct{}
	exited chan struct{} // closed once the watcher has exited
}

func (c *hostWatcherConn) Close() error {
	var err error
	c.once.Do(func() {
		err = c.w.Close()
		close(c.done)
	})
	return err
}

func (c *hostWatcherConn) Done() <-chan struct{} { return c.done }

// wait reaps the watcher, records its exit code for WaitContainer and
// closes the connection: the watcher is gone.
func (c *hostWatcherConn) wait(cmd *exec.Cmd, e *Engine, id, tmp string) {
	_ = cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code < 0 {
		code = 128 + int(cmd.ProcessState.Sys().(syscall.WaitStatus).Signal())
	}
	for _, dir := range []string{e.leaseDir(id), tmp} {
		// Into whichever directory it has; a removed one takes nothing.
		if _, err := os.Stat(dir); err == nil {
			_ = writeFile(filepath.Join(dir, leaseExit), []byte(strconv.Itoa(code)), 0o600)
		}
	}
	close(c.exited)
	_ = c.Close()
}

// hostLeases lists the host watchers as containers: running while their
// lock is held, exited until the berth that started them has taken their
// code. What is left of a watcher whose berth is gone, or of a start cut
// short, is removed.
func (e *Engine) hostLeases() ([]engine.Container, error) {
	entries, err := os.ReadDir(filepath.Join(e.root, leasesDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list host watchers: %w", err)
	}
	var out []engine.Container
	now := time.Now()
	for _, ent := range entries {
		dir := filepath.Join(e.root, leasesDir, ent.Name())
		if strings.HasPrefix(ent.Name(), ".") {
			if locked, err := monitor.Locked(dir); err == nil && !locked {
				os.RemoveAll(dir)
			}
			continue
		}
		l, st, err := e.hostLeaseState(ent.Name())
		if err != nil {
			continue // removed meanwhile
		}
		if st.Status == "" {
			os.RemoveAll(dir)
			continue
		}
		c := engine.Container{ID: l.ID, Name: l.Name, Command: strings.Join(l.Command, " "), Labels: l.Labels,
			State: st.Status, Created: l.Created, Status: humanStatus(status{State: st}, now)}
		if st.Status == "exited" {
			c.ExitCode = st.ExitCode
		}
		out = append(out, c)
	}
	return out, nil
}

// hostLeaseState reads watcher id's record and state: running, exited
// (with its code, when its berth still lives to take it), or "" when
// nothing waits for it any more.
func (e *Engine) hostLeaseState(id string) (*hostLease, monitor.State, error) {
	dir := e.leaseDir(id)
	var l hostLease
	if err := readJSON(filepath.Join(dir, leaseRecord), &l); err != nil {
		return nil, monitor.State{}, err
	}
	st := monitor.State{StartedAt: l.Created, Pid: l.Pid}
	if locked, err := monitor.Locked(dir); err != nil {
		return nil, st, err
	} else if locked {
		st.Status = "running"
		return &l, st, nil
	}
	if !monitor.ProcessAlive(l.Holder) {
		return &l, st, nil // nobody is left to take its code
	}
	st.Status = "exited"
	if b, err := os.ReadFile(filepath.Join(dir, leaseExit)); err == nil {
		st.ExitCode, _ = strconv.Atoi(string(b))
	}
	return &l, st, nil
}

// findHostLease finds a host watcher by ID or name; nil when none is.
func (e *Engine) findHostLease(ref string) (*hostLease, error) {
	entries, err := os.ReadDir(filepath.Join(e.root, leasesDir))
	if err != nil {
		return nil, nil
	}
	for _, ent := range entries {
		var l hostLease
		if strings.HasPrefix(ent.Name(), ".") || readJSON(filepath.Join(e.root, leasesDir, ent.Name(), leaseRecord), &l) != nil {
			continue
		}
		if l.ID == ref || l.Name == ref {
			return &l, nil
		}
	}
	return nil, nil
}

// removeHostWatcher is RemoveContainer of a host watcher: it kills it
// (with Force), before it acts, as removing a lease container does, and
// removes its directory. ok is false when ref names no host watcher.
func (e *Engine) removeHostWatcher(ctx context.Context, ref string, opts engine.RemoveOptions) (ok bool, err error) {
	l, _ := e.findHostLease(ref)
	if l == nil {
		return false, nil
	}
	dir := e.leaseDir(l.ID)
	locked, err := monitor.Locked(dir)
	if err != nil {
		return true, fmt.Errorf("remove host watcher %s: %w", l.Name, err)
	}
	if locked {
		if !opts.Force {
			return true, fmt.Errorf("remove host watcher %s: it is running: stop it first or force the removal: %w", l.Name, engine.ErrConflict)
		}
		_ = syscall.Kill(l.Pid, syscall.SIGKILL)
		deadline := time.Now().Add(killWait)
		for locked && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(pollInterval)
			locked, _ = monitor.Locked(dir)
		}
		if locked {
			return true, fmt.Errorf("remove host watcher %s: process %d still holds its lock after SIGKILL", l.Name, l.Pid)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return true, fmt.Errorf("remove host watcher %s: %w", l.Name, err)
	}
	return true, nil
}

// waitHostWatcher is WaitContainer of a host watcher: it returns its exit
// code once it has exited, and removes it, as an auto-removed container
// goes once waited for. ok is false when ref names no host watcher.
func (e *Engine) waitHostWatcher(ctx context.Context, ref string) (code int, ok bool, err error) {
	l, _ := e.findHostLease(ref)
	if l == nil {
		return 0, false, nil
	}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		_, st, err := e.hostLeaseState(l.ID)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, true, nil // removed meanwhile
		}
		if err != nil {
			return 0, true, err
		}
		_, recorded := os.Stat(filepath.Join(e.leaseDir(l.ID), leaseExit))
		if st.Status == "" || (st.Status == "exited" && recorded == nil) {
			os.RemoveAll(e.leaseDir(l.ID))
			return st.ExitCode, true, nil
		}
		select {
		case <-ctx.Done():
			return 0, true, fmt.Errorf("wait for host watcher %s: %w", l.Name, ctx.Err())
		case <-t.C:
		}
	}
}
