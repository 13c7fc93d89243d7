// Command spawn runs the commands bench measures, one per line of standard
// input, and answers each with its wall time and peak RSS on standard
// output, both as JSON.
//
// It exists for the RSS. Go starts a child with vfork, and Linux carries
// the parent's memory high-water mark into the child's across exec, so a
// child of bench itself never reports less than bench's own ~18 MiB: every
// cheap command looked as big as bench. spawn's own mark is a few MiB,
// below anything it runs.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// request is one command to run.
type request struct {
	Argv []string
	Dir  string
	Env  []string
}

// reply is how it went. Code is -1 when the command could not be run or
// did not exit on its own; Err then says why.
type reply struct {
	WallNs int64
	RSS    int64 // bytes
	Code   int
	Stderr string
	Err    string
}

func main() {
	// Children get SIGKILL when the thread that started them ends (see
	// Pdeathsig); pinned to the main goroutine, that thread lives as long
	// as the process, which bench kills when it is interrupted.
	runtime.LockOSThread()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 64<<10), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil || len(r.Argv) == 0 {
			fmt.Fprintf(os.Stderr, "spawn: bad request %q: %v\n", in.Bytes(), err)
			os.Exit(2)
		}
		if err := out.Encode(run(r)); err != nil {
			os.Exit(1)
		}
	}
}

func run(r request) reply {
	cmd := exec.Command(r.Argv[0], r.Argv[1:]...)
	cmd.Dir, cmd.Env = r.Dir, r.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Output goes to pipes, as from a script, and is dropped but for the
	// end of stderr, which explains a failure.
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	rep := reply{WallNs: int64(time.Since(start)), Code: -1, Stderr: stderr.String()}
	if cmd.ProcessState != nil {
		rep.Code = cmd.ProcessState.ExitCode()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rep.RSS = ru.Maxrss * 1024 // Linux reports kilobytes
		}
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		rep.Err = err.Error()
	}
	return rep
}
