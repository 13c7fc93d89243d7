package monitorproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// TeardownCommand is the hidden berth command that removes an auto-remove
// container once it has exited for good, with its anonymous volumes:
// `berth native-teardown DIR`. Its monitor runs it rather than removing
// the container itself: removal needs the whole engine (netlink for the
// veths and the namespace, the volume store), which a monitor does not
// link, and it happens once per container, so one short berth process
// costs less than every monitor mapping that code for its whole life.
const TeardownCommand = "native-teardown"

// autoRemove runs `berth native-teardown DIR` and waits for it.
func autoRemove(ctx context.Context, berth, dir string) error {
	if berth == "" {
		return errors.New("the engine named no berth executable to remove it with (monitor.json has no Berth)")
	}
	cmd := exec.CommandContext(ctx, berth, TeardownCommand, dir)
	cmd.Dir = "/"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("%s %s: %w: %s", berth, TeardownCommand, err, msg)
		}
		return fmt.Errorf("%s %s: %w", berth, TeardownCommand, err)
	}
	return nil
}
