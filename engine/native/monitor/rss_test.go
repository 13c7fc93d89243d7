package monitor

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// maxPrivateRSS is the budget for one monitor. The binary's pages
// (RssFile) are shared by every monitor; what each one costs is its anonymous
// memory.
const maxPrivateRSS = 3 << 20

// measureRSS logs a running monitor's memory and fails when its private
// part is over budget.
func measureRSS(t *testing.T, pid int) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kb := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasPrefix(key, "Rss") && key != "VmRSS" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(val), " kB"))
		if err == nil {
			kb[key] = n
		}
	}
	t.Logf("monitor memory: VmRSS %d kB (RssAnon %d kB, RssFile %d kB, RssShmem %d kB)", kb["VmRSS"], kb["RssAnon"], kb["RssFile"], kb["RssShmem"])
	if kb["RssAnon"]*1024 > maxPrivateRSS {
		t.Errorf("monitor's private memory %d kB is over the %d kB budget", kb["RssAnon"], maxPrivateRSS>>10)
	}
}
