package monitor

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Status is a container's state as observed now: the monitor's state.json
// corrected by what the kernel says (a monitor that died, a frozen
// cgroup). The engine observes containers with it, and every monitor's
// DNS server with it decides which containers' names to answer, so both
// agree on what runs.
type Status struct {
	State
	// MonitorAlive is whether the monitor process still runs.
	MonitorAlive bool
}

// Observe reads the state of the container id in dir. A container that
// never started has no state.json: it is "created".
func Observe(dir, id string) (Status, error) {
	// Liveness first, state second: a monitor writes the exit to its state
	// and then exits, so one found dead before the read has written all it
	// ever will. The other order raced a container's last moments into a
	// code 255 in place of the 137 the monitor recorded.
	_, alive := MonitorProc(dir)
	st, err := ReadState(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Status{}, err
	}
	if st.Status == "" {
		st.Status = StatusCreated
	}
	// A monitor may be alive before it wrote any state: it is starting
	// the container.
	s := Status{State: st, MonitorAlive: alive}
	switch st.Status {
	case StatusRunning, StatusRestarting, StatusPaused:
		if !s.MonitorAlive && !ProcessAlive(st.Pid) {
			// The monitor died with the container (a host reboot, a
			// kill -9 of both): the container is gone, its code unknown.
			s.Status = StatusExited
			if s.ExitCode == 0 {
				s.ExitCode = 255
			}
			break
		}
		if st.Status == StatusRunning && frozen(id) {
			s.Status = StatusPaused
		}
	}
	return s, nil
}

// Running is whether the container's processes run (or are frozen).
func (s Status) Running() bool {
	return s.Status == StatusRunning || s.Status == StatusPaused || s.Status == StatusRestarting
}

// MonitorProc reports whether a monitor of dir is alive (it holds dir's
// monitor lock) and its pid: the one it wrote to monitor.pid, or 0 when
// that pid is not (yet) a live monitor of dir, e.g. in the moment between
// the monitor taking the lock and writing its pid.
func MonitorProc(dir string) (pid int, alive bool) {
	if locked, err := Locked(dir); err != nil || !locked {
		return 0, false
	}
	b, err := os.ReadFile(filepath.Join(dir, MonitorPidFile))
	if err != nil {
		return 0, true
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || !isMonitorOf(pid, dir) {
		return 0, true
	}
	return pid, true
}

// isMonitorOf is whether pid is a live monitor of dir: a pid reused by
// another process, or a zombie, is not.
func isMonitorOf(pid int, dir string) bool {
	if !ProcessAlive(pid) {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	return bytes.Contains(cmdline, []byte(dir))
}

// ProcessAlive is whether pid exists and is not a zombie.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command, which may hold spaces.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z' && stat[i+2] != 'X'
	}
	return true
}

// frozen is whether runc froze the container's cgroup (pause).
func frozen(id string) bool {
	// cgroup v1 has a freezer hierarchy; v2 a cgroup.freeze file.
	if b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup/freezer", CgroupPath(id), "freezer.state")); err == nil {
		return strings.TrimSpace(string(b)) != "THAWED"
	}
	if b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", CgroupPath(id), "cgroup.freeze")); err == nil {
		return strings.TrimSpace(string(b)) == "1"
	}
	return false
}

// CgroupPath is the cgroup the engine puts container id in, below each
// hierarchy's root.
func CgroupPath(id string) string { return "/berth/" + id }
