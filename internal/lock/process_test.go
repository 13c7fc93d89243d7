package lock

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// holderEnv makes the test binary act as another berth holding a lock:
// its value is "DIR:PROJECT".
const holderEnv = "BERTH_LOCK_TEST_HOLDER"

// TestHolderProcess is not a test: it is the body of the subprocess that
// TestKilledHolderFreesLock starts. It takes the lock, says "locked" and
// holds it until its stdin closes or it is killed.
func TestHolderProcess(t *testing.T) {
	spec := os.Getenv(holderEnv)
	if spec == "" {
		t.Skip("helper process for TestKilledHolderFreesLock")
	}
	dir, project, _ := strings.Cut(spec, ":")
	if _, err := Acquire(context.Background(), dir, project, "", nil); err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		os.Exit(2)
	}
	os.Stdout.WriteString("locked\n")
	// Blocks until the parent closes stdin or kills this process; the lock
	// is deliberately never released by hand.
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0)
}

func TestKilledHolderFreesLock(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	dir := lockDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHolderProcess$")
	cmd.Env = append(os.Environ(), holderEnv+"="+dir+":shop")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("holder process said %q (%v), want \"locked\"", line, err)
	}

	waiting, done, _ := acquireAsync(context.Background(), dir, "shop")
	<-waiting
	select {
	case r := <-done:
		t.Fatalf("Acquire returned (err %v) while another process held the lock, want it to wait", r.err)
	default:
	}

	// SIGKILL: the holder gets no chance to release; only the kernel can.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed = true
	r := <-done
	if r.err != nil {
		t.Fatalf("Acquire after the holder was killed got %v, want the lock", r.err)
	}
	if err := r.release(); err != nil {
		t.Errorf("release() got %v, want nil", err)
	}
}
