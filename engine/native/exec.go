package native

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
	"github.com/berth-dev/berth/engine/native/ocispec"
)

// Logs copies the container's log to stdout and stderr; following ends
// when the container has exited for good, or ctx ends.
func (e *Engine) Logs(ctx context.Context, ref string, opts engine.LogOptions, stdout, stderr io.Writer) error {
	c, err := e.lookup(ref)
	if err != nil {
		return fmt.Errorf("logs of container %s: %w", ref, err)
	}
	return monitor.ReadLogs(ctx, filepath.Join(e.containerDir(c.ID), "ctr.log"), monitor.LogOptions(opts), stdout, stderr)
}

// Exec runs spec in the running container.
func (e *Engine) Exec(ctx context.Context, ref string, spec engine.ExecSpec, s engine.Streams) (int, error) {
	c, _, err := e.runningContainer(ref, "exec in")
	if err != nil {
		return 0, err
	}
	op := "exec in container " + c.Name
	svc := c.Service
	if spec.Privileged {
		// As docker's exec --privileged: the process gets every
		// capability a privileged service's does (all the engine holds);
		// the container's devices, cgroup and seccomp stay its own.
		svc.Privileged = true
	}
	img, err := e.store.Inspect(ctx, c.ImageID)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	p, err := ocispec.Process(ocispec.Input{
		Service:  svc,
		Image:    img.Config,
		Rootfs:   filepath.Join(e.containerDir(c.ID), "rootfs"),
		Hostname: c.Hostname,
	}, spec.Cmd, spec.Env, spec.User, spec.WorkingDir, s.TTY)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	proc, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	stdout, stderr := orDiscard(s.Stdout), orDiscard(s.Stderr)
	if s.TTY {
		stderr = stdout
	}
	ended := e.noteExec(c.ID, spec.Cmd)
	if spec.Detach {
		// The process outlives this call, not berth: runc exec stays its
		// parent.
		go func() {
			ended(e.runc.Exec(context.WithoutCancel(ctx), c.ID, proc, p.Terminal, nil, io.Discard, io.Discard))
		}()
		return 0, nil
	}
	var code int
	if s.TTY && s.Resize != nil {
		code, err = execTTY(ctx, e.runc, c.ID, proc, s, stdout)
	} else {
		code, err = e.runc.Exec(ctx, c.ID, proc, p.Terminal, s.Stdin, stdout, stderr)
	}
	ended(code, err)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return code, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// AttachContainer follows the container's output from now until it exits;
// input, when given, goes to the container's stdin (stdin_open).
func (e *Engine) AttachContainer(ctx context.Context, ref string, s engine.Streams) (func() error, error) {
	c, err := e.lookup(ref)
	if err != nil {
		return nil, fmt.Errorf("attach to container %s: %w", ref, err)
	}
	if s.Stdin != nil && !c.Service.StdinOpen {
		s.Stdin = nil
	}
	dir := e.containerDir(c.ID)
	st, err := e.observe(c)
	if err != nil {
		return nil, err
	}
	since := time.Now()
	stdout, stderr := orDiscard(s.Stdout), orDiscard(s.Stderr)
	if s.TTY {
		stderr = stdout
	}
	done := make(chan error, 1)
	go func() {
		if !st.running() {
			// The log and state of a previous run must not end the
			// attachment: wait for this run's monitor.
			if !waitNewRun(ctx, dir, st.MonitorPid) {
				done <- nil
				return
			}
		}
		if s.Stdin != nil {
			go feedStdin(ctx, dir, s.Stdin)
		}
		opts := monitor.LogOptions{Follow: true, Since: fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())}
		err := monitor.ReadLogs(ctx, filepath.Join(dir, "ctr.log"), opts, stdout, stderr)
		if ctx.Err() != nil {
			err = nil
		}
		done <- err
	}()
	return func() error { return <-done }, nil
}

// waitNewRun waits until a monitor other than old reports the container,
// and says whether one did before ctx ended.
func waitNewRun(ctx context.Context, dir string, old int) bool {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		if st, err := monitor.ReadState(dir); err == nil && st.MonitorPid != 0 && st.MonitorPid != old {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

// feedStdin copies in to the container's stdin fifo, which its monitor
// opens once the container runs.
func feedStdin(ctx context.Context, dir string, in io.Reader) {
	path := filepath.Join(dir, monitor.StdinFile)
	var f *os.File
	for f == nil {
		fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err == nil {
			_ = syscall.SetNonblock(fd, false)
			f = os.NewFile(uintptr(fd), path)
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pollInterval):
		}
	}
	defer f.Close()
	_, _ = io.Copy(f, in)
}

// TopContainer lists the container's processes as ps -ef shows them.
func (e *Engine) TopContainer(ctx context.Context, ref string) (engine.Processes, error) {
	c, _, err := e.runningContainer(ref, "list processes of")
	if err != nil {
		return engine.Processes{}, err
	}
	pids, err := e.runc.Ps(ctx, c.ID)
	if err != nil {
		return engine.Processes{}, fmt.Errorf("list processes of container %s: %w", c.Name, err)
	}
	out := engine.Processes{Titles: []string{"UID", "PID", "PPID", "STIME", "TIME", "CMD"}}
	boot := bootTime()
	for _, pid := range pids {
		row, err := procRow(pid, boot)
		if errors.Is(err, os.ErrNotExist) {
			continue // exited since runc listed it
		}
		if err != nil {
			return engine.Processes{}, fmt.Errorf("list processes of container %s: %w", c.Name, err)
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// clockTicks is USER_HZ, 100 on every Linux architecture berth runs on.
const clockTicks = 100

// procRow reads one process's line from /proc.
func procRow(pid int, boot time.Time) ([]string, error) {
	p := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(p + "/stat")
	if err != nil {
		return nil, err
	}
	// Fields after the parenthesised command: state ppid … utime(12)
	// stime(13) … starttime(20).
	i := strings.LastIndexByte(string(stat), ')')
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 20 {
		return nil, fmt.Errorf("%s/stat: unexpected format", p)
	}
	utime, _ := strconv.ParseUint(f[11], 10, 64)
	stime, _ := strconv.ParseUint(f[12], 10, 64)
	start, _ := strconv.ParseUint(f[19], 10, 64)
	cpu := time.Duration(utime+stime) * time.Second / clockTicks
	started := boot.Add(time.Duration(start) * time.Second / clockTicks)
	uid := "?"
	if status, err := os.ReadFile(p + "/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "Uid:"); ok {
				if fs := strings.Fields(v); len(fs) > 0 {
					uid = fs[0]
				}
			}
		}
	}
	cmd, _ := os.ReadFile(p + "/cmdline")
	cmdline := strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))
	if cmdline == "" {
		cmdline = "[" + strings.Trim(string(stat[strings.IndexByte(string(stat), '(')+1:i]), " ") + "]"
	}
	return []string{uid, strconv.Itoa(pid), f[1], started.Format("15:04"),
		fmt.Sprintf("%02d:%02d:%02d", int(cpu.Hours()), int(cpu.Minutes())%60, int(cpu.Seconds())%60), cmdline}, nil
}

// bootTime is when the host booted, from /proc/stat.
func bootTime() time.Time {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}
