package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/native/exepages"
)

// drainTimeout bounds how long the output of a container whose init has
// exited may keep flowing: a process that escaped the container (no pid
// namespace) could hold its stdout open for ever.
const drainTimeout = 2 * time.Second

// monitor is one container's monitor.
type monitor struct {
	dir    string
	cfg    Config
	runc   Runc
	reaper *reaper
	log    *logWriter
	health *healthConfig // nil: no healthcheck

	mu    sync.Mutex
	state State
}

// Run is the monitor's main loop for the container in dir, as configured by
// dir/monitor.json: it starts the container, copies its output to the log,
// waits for it, records each state in dir/state.json, restarts it by its
// restart policy (not after the engine created dir/stop: the engine removes
// a stale one before it starts a monitor) and runs its healthcheck. It
// returns once the container has exited for good and state.json says so; a
// config it cannot use is reported there too.
//
// Ending ctx asks for that end now: the container is killed and not
// restarted. Run is meant to be a process's whole job: it ignores SIGTERM,
// SIGINT and SIGHUP, makes the process a child subreaper and lowers its GC
// percent. The caller holds dir's lock (Claim).
func Run(ctx context.Context, dir string) error {
	cfg, policy, hc, err := setup(dir)
	if err != nil {
		return failed(dir, err)
	}
	debug.SetGCPercent(20)
	signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	rp, err := startReaper()
	if err != nil {
		return failed(dir, err)
	}
	defer rp.stop()
	lw, err := openLog(cfg.LogPath)
	if err != nil {
		return failed(dir, err)
	}
	defer lw.Close()
	if cfg.Stdin {
		if err := unix.Mkfifo(filepath.Join(dir, StdinFile), 0o600); err != nil && !errors.Is(err, fs.ErrExist) {
			return failed(dir, fmt.Errorf("create the stdin fifo: %w", err))
		}
	}
	m := &monitor{
		dir:    dir,
		cfg:    cfg,
		runc:   Runc{Path: cfg.Runc, Root: cfg.RuncRoot, run: rp.run},
		reaper: rp,
		log:    lw,
		health: hc,
		state:  State{Status: StatusCreated, MonitorPid: os.Getpid()},
	}
	m.update(func(*State) {})
	// Reading the config, starting the reaper and writing the first state
	// ran once-only code: its pages go before runc's start maps more (see
	// exepages.Release).
	exepages.Release()

	var delay time.Duration
	for {
		ex := m.runOnce(ctx)
		stopped := ctx.Err() != nil || exists(filepath.Join(dir, StopFile))
		again := shouldRestart(policy, ex.code, m.state.RestartCount, stopped)
		// As dockerd, a restart counts from when it is decided.
		m.update(func(s *State) {
			s.Pid, s.ExitCode, s.FinishedAt, s.Error = 0, ex.code, ex.finished, ex.err
			s.Status = StatusExited
			if again {
				s.Status = StatusRestarting
				s.RestartCount++
			}
		})
		if !again {
			return nil
		}
		delay = nextDelay(delay, ex.ran)
		if !m.sleep(ctx, delay) {
			m.update(func(s *State) { s.Status = StatusExited })
			return nil
		}
	}
}

// failed records that the monitor could not start the container at all, so
// that the engine learns why from the state as for a failed start.
func failed(dir string, err error) error {
	_ = writeState(dir, State{Status: StatusExited, MonitorPid: os.Getpid(), ExitCode: 128, FinishedAt: time.Now(), Error: err.Error()})
	return err
}

// setup reads and checks the monitor's config.
func setup(dir string) (Config, restartPolicy, *healthConfig, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return cfg, restartPolicy{}, nil, err
	}
	policy, err := parseRestart(cfg.Restart)
	if err != nil {
		return cfg, policy, nil, err
	}
	hc, err := parseHealth(cfg.Health)
	return cfg, policy, hc, err
}

// update changes the state and writes it. A failed write is reported on
// stderr and does not stop the monitor: the container runs on, and the
// next write may succeed.
func (m *monitor) update(change func(*State)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	change(&m.state)
	if err := writeState(m.dir, m.state); err != nil {
		fmt.Fprintf(os.Stderr, "berth monitor %s: %v\n", m.cfg.ID, err)
	}
}

// sleep waits d before a restart; false when the container was stopped
// meanwhile.
func (m *monitor) sleep(ctx context.Context, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if ctx.Err() != nil || exists(filepath.Join(m.dir, StopFile)) {
			return false
		}
		left := time.Until(deadline)
		if left <= 0 {
			return true
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(left, pollInterval)):
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// exit is how one run of the container ended.
type exit struct {
	code     int
	ran      time.Duration
	finished time.Time
	err      string // why it could not start
}

// failedStart is the exit of a container that could not start, with
// docker's exit codes: 127 for a command not found, 126 for one that cannot
// be run, 128 otherwise.
func failedStart(err error) exit {
	msg := err.Error()
	code := 128
	switch {
	case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"):
		code = 127
	case strings.Contains(msg, "permission denied"):
		code = 126
	}
	return exit{code: code, finished: time.Now(), err: msg}
}

// runOnce starts the container, waits for its init to exit and removes it
// from runc.
func (m *monitor) runOnce(ctx context.Context) exit {
	bg := context.WithoutCancel(ctx)
	id := m.cfg.ID
	if exists(filepath.Join(m.dir, StopFile)) {
		// Stopped before it was started: it never runs.
		return exit{code: 128 + int(syscall.SIGKILL), finished: time.Now()}
	}
	// A container left by a monitor that died would make run fail.
	// Only then is runc run for it: that is a process start per container.
	if m.runc.Has(id) {
		_ = m.runc.Delete(bg, id, true)
	}
	stdio, err := m.openStdio()
	if err != nil {
		return failedStart(err)
	}
	defer stdio.close()

	pid, err := m.start(bg, stdio)
	if err != nil {
		return failedStart(err)
	}
	copied := stdio.copyOutput(m.log)
	exited := m.reaper.watch(pid)
	if exists(filepath.Join(m.dir, StopFile)) {
		// Stopped while runc started it: the engine's kill may have come
		// before there was a container to kill. It is killed now, and
		// never reported running.
		_ = m.runc.Kill(bg, id, syscall.SIGKILL, true)
		code := <-exited
		stdio.drain(copied)
		_ = m.runc.Delete(bg, id, true)
		return exit{code: code, finished: time.Now()}
	}
	started := time.Now()
	m.update(func(s *State) {
		s.Status, s.Pid, s.StartedAt, s.Error = StatusRunning, pid, started, ""
		s.Health, s.HealthLog = "", nil
		if m.health != nil {
			s.Health = HealthStarting
		}
	})
	// What reading the config and starting runc left behind is garbage
	// for the rest of the container's life: give it back now. The
	// executable's pages that starting runc mapped go first, as the
	// collection maps the collector's own memory (0.25 MiB, the first
	// time) and most of the executable again; they go after. This is
	// the monitor's peak: measured, 1.2 MiB of its own and 2.9 MiB of
	// the executable's pages, against 3.8 at most in the other steps.
	exepages.Release()
	debug.FreeOSMemory()
	exepages.Release()
	healthCtx, stopHealth := context.WithCancel(bg)
	healthDone := make(chan struct{})
	go func() {
		defer close(healthDone)
		if m.health != nil {
			m.watchHealth(healthCtx, started)
		}
	}()

	var code int
	select {
	case code = <-exited:
	case <-ctx.Done():
		_ = m.runc.Kill(bg, id, syscall.SIGKILL, true)
		code = <-exited
	}
	finished := time.Now()
	stopHealth()
	<-healthDone
	stdio.drain(copied)
	_ = m.runc.Delete(bg, id, true)
	return exit{code: code, ran: finished.Sub(started), finished: finished}
}

// start runs `runc run --detach`, which creates and starts the container
// in one runc process (create and start were two), and returns the
// container's init pid.
func (m *monitor) start(ctx context.Context, stdio *stdio) (int, error) {
	pidFile, logFile := filepath.Join(m.dir, initPidFile), filepath.Join(m.dir, runcLogFile)
	os.Remove(pidFile)
	os.Remove(logFile)
	args := []string{"--log", logFile, "--log-format", "json", "run", "--detach", "--bundle", m.cfg.Bundle, "--pid-file", pidFile}
	if stdio.console != nil {
		args = append(args, "--console-socket", stdio.console.path())
	}
	in, out, errOut := stdio.files()
	exited, err := m.reaper.spawn(m.runc.argv(append(args, m.cfg.ID)...), in, out, errOut)
	if err != nil {
		return 0, fmt.Errorf("runc run: %w", err)
	}
	if code := <-exited; code != 0 {
		if msg := lastRuncError(logFile); msg != "" {
			return 0, fmt.Errorf("runc run: %s", msg)
		}
		return 0, fmt.Errorf("runc run: exit status %d", code)
	}
	// Waiting for runc ran the signal and reaping code once.
	exepages.Release()
	if err := stdio.created(); err != nil {
		_ = m.runc.Delete(ctx, m.cfg.ID, true)
		return 0, err
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		_ = m.runc.Delete(ctx, m.cfg.ID, true)
		return 0, fmt.Errorf("runc run: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		_ = m.runc.Delete(ctx, m.cfg.ID, true)
		return 0, fmt.Errorf("runc run: pid file %s: %w", pidFile, err)
	}
	return pid, nil
}

// stdio is one run's input and output: pipes, or the terminal runc sends.
type stdio struct {
	stdin          *os.File // the stdin fifo, opened read-write; nil without one
	outR, outW     *os.File
	errR, errW     *os.File
	console        *consoleSocket
	master         *os.File
	readers, other []io.Closer
}

func (m *monitor) openStdio() (*stdio, error) {
	s := &stdio{}
	if m.cfg.Stdin {
		// Read-write, so that the fifo opens without a writer and the
		// container never reads an end of file, as with docker's open stdin.
		f, err := os.OpenFile(filepath.Join(m.dir, StdinFile), os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("open the stdin fifo: %w", err)
		}
		s.stdin = f
		s.other = append(s.other, f)
	}
	if m.cfg.Tty {
		c, err := listenConsole()
		if err != nil {
			s.close()
			return nil, err
		}
		s.console = c
		s.other = append(s.other, c)
		return s, nil
	}
	var err error
	if s.outR, s.outW, err = os.Pipe(); err != nil {
		s.close()
		return nil, fmt.Errorf("create the stdout pipe: %w", err)
	}
	s.readers = append(s.readers, s.outR)
	s.other = append(s.other, s.outW)
	if s.errR, s.errW, err = os.Pipe(); err != nil {
		s.close()
		return nil, fmt.Errorf("create the stderr pipe: %w", err)
	}
	s.readers = append(s.readers, s.errR)
	s.other = append(s.other, s.errW)
	return s, nil
}

// files are `runc run`'s stdio, nil for none: without a terminal, runc
// hands its own to the container's init.
func (s *stdio) files() (stdin, stdout, stderr *os.File) {
	if s.console != nil {
		return nil, nil, nil
	}
	return s.stdin, s.outW, s.errW
}

// created runs once the container exists: the write ends are the
// container's alone now, so that its exit ends the copies; with a
// terminal, the master runc sent is taken.
func (s *stdio) created() error {
	if s.console == nil {
		s.outW.Close()
		s.errW.Close()
		return nil
	}
	master, err := s.console.receive()
	if err != nil {
		return err
	}
	s.master = master
	s.readers = append(s.readers, master)
	return nil
}

// copyOutput copies the container's output to the log, and with a
// terminal the stdin fifo to it; the channel closes when the output ends.
func (s *stdio) copyOutput(log *logWriter) <-chan struct{} {
	var wg sync.WaitGroup
	copyTo := func(r io.Reader, stream string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := log.copy(r, stream); err != nil {
				fmt.Fprintf(os.Stderr, "berth monitor: copy %s to the log: %v\n", stream, err)
			}
		}()
	}
	if s.master != nil {
		copyTo(s.master, "stdout")
		if s.stdin != nil {
			// A small buffer, and the concrete types hidden so that io
			// does not pick a 32 KiB one.
			buf := make([]byte, 4096)
			go func() { _, _ = io.CopyBuffer(struct{ io.Writer }{s.master}, struct{ io.Reader }{s.stdin}, buf) }()
		}
	} else {
		copyTo(s.outR, "stdout")
		copyTo(s.errR, "stderr")
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// drain waits for the output copies to end, for at most drainTimeout.
func (s *stdio) drain(copied <-chan struct{}) {
	select {
	case <-copied:
	case <-time.After(drainTimeout):
		for _, r := range s.readers {
			r.Close()
		}
		<-copied
	}
}

func (s *stdio) close() {
	for _, c := range append(s.readers, s.other...) {
		c.Close()
	}
}
