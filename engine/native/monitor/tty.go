package monitor

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// withTerminal gives cmd (a foreground `runc exec` of a process with a
// terminal) a pty of ours as its stdio: runc insists on a terminal there,
// and copies between it and the container's. The returned func, called
// after cmd has ended, waits for the output to be copied. Sizes from
// sizes (nil: none) are set on the pty; see followSizes.
func withTerminal(cmd *exec.Cmd, stdin io.Reader, stdout io.Writer, sizes <-chan TermSize) (func(), error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open a terminal: %w", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	stopSizes := func() {}
	if sizes != nil {
		stopSizes = followSizes(cmd, master, sizes)
	}
	if stdin != nil {
		go func() { _, _ = io.Copy(master, stdin) }()
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		if stdout == nil {
			stdout = io.Discard
		}
		// EIO, once runc has closed its side, ends the copy.
		_, _ = io.Copy(stdout, master)
	}()
	return func() {
		stopSizes()
		slave.Close()
		<-copied
		master.Close()
	}, nil
}

// consoleSocket is the socket `runc run --console-socket` sends the
// container's pty master to. It lives in a short temporary directory: a
// socket path must fit in 108 bytes, which a container directory may not.
type consoleSocket struct {
	dir string
	ln  *net.UnixListener
}

func listenConsole() (*consoleSocket, error) {
	dir, err := os.MkdirTemp("", "berth-con-")
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(dir, "s"), Net: "unix"})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("console socket: %w", err)
	}
	return &consoleSocket{dir: dir, ln: ln}, nil
}

func (c *consoleSocket) path() string { return filepath.Join(c.dir, "s") }

func (c *consoleSocket) Close() error {
	err := c.ln.Close()
	os.RemoveAll(c.dir)
	return err
}

// receive takes the pty master runc sent; runc has connected by the time
// `runc run` succeeded.
func (c *consoleSocket) receive() (*os.File, error) {
	if err := c.ln.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return nil, err
	}
	conn, err := c.ln.AcceptUnix()
	if err != nil {
		return nil, fmt.Errorf("receive the container's terminal: %w", err)
	}
	defer conn.Close()
	name := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return nil, err
	}
	_, oobn, _, _, err := conn.ReadMsgUnix(name, oob)
	if err != nil {
		return nil, fmt.Errorf("receive the container's terminal: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("receive the container's terminal: no file descriptor in runc's message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("receive the container's terminal: no file descriptor in runc's message")
	}
	// Non-blocking, the master joins Go's poller, so that closing it ends a
	// pending read.
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		return nil, fmt.Errorf("receive the container's terminal: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "pty-master"), nil
}
