package native

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/testimage"
)

// TestExecPrivileged runs exec with and without --privileged in a
// container of the default capabilities: only the privileged process has
// CAP_SYS_ADMIN, which no default set holds.
func TestExecPrivileged(t *testing.T) {
	e := newTestEngine(t, testimage.Archive(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id := runTestContainer(ctx, t, e, "execpriv", types.ServiceConfig{})
	const capSysAdmin = 21
	sysAdmin := func(privileged bool) bool {
		t.Helper()
		var out bytes.Buffer
		code, err := e.Exec(ctx, id, engine.ExecSpec{Cmd: []string{testimage.Entrypoint, "cat", "/proc/self/status"}, Privileged: privileged},
			engine.Streams{Stdout: &out, Stderr: &out})
		if err != nil || code != 0 {
			t.Fatalf("exec (privileged %t): code %d, %v: %s", privileged, code, err, out.String())
		}
		for line := range strings.Lines(out.String()) {
			if hex, ok := strings.CutPrefix(line, "CapEff:"); ok {
				caps, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
				if err != nil {
					t.Fatalf("CapEff %q: %v", hex, err)
				}
				return caps&(1<<capSysAdmin) != 0
			}
		}
		t.Fatalf("no CapEff in /proc/self/status:\n%s", out.String())
		return false
	}
	if sysAdmin(false) {
		t.Errorf("a plain exec has CAP_SYS_ADMIN")
	}
	if !sysAdmin(true) {
		t.Errorf("exec --privileged lacks CAP_SYS_ADMIN")
	}
}
