package main

import (
	"fmt"
	"strings"
)

// writeMonitors writes the native engine's monitors' memory, one row per
// size and snapshot, when any was read.
func (rp report) writeMonitors(b *strings.Builder) {
	rows := [][]string{{"services", "read", "monitors", "VmRSS median", "VmRSS max", "VmHWM median", "VmHWM max", "RssAnon median", "RssAnon max", "RssFile median", "RssFile max", "Pss median", "Pss max"}}
	for _, size := range rp.Config.Sizes {
		for _, ph := range []string{phaseAfterUp, phaseBeforeDown} {
			st, ok := statsOf(rp.Results.Monitors[monitorKey{size, ph}])
			if !ok {
				continue
			}
			rows = append(rows, []string{
				fmt.Sprint(size), ph, countsText(st.Counts),
				fmtMiB(st.RSS.Median), fmtMiB(st.RSS.Max), fmtMiB(st.HWM.Median), fmtMiB(st.HWM.Max),
				fmtMiB(st.Anon.Median), fmtMiB(st.Anon.Max), fmtMiB(st.File.Median), fmtMiB(st.File.Max),
				orMiB(st.Pss.Median), orMiB(st.Pss.Max),
			})
		}
	}
	if len(rows) == 1 {
		return
	}
	b.WriteString("## Native engine monitors\n\n")
	b.WriteString("Every `native-monitor` process (berth-monitor, or berth without it) under bench's BERTH_ROOT, read from /proc/PID/status after the cold up and before down of each run; " +
		"median and largest over all monitors of all runs. VmHWM is the peak of VmRSS (the target's figure); RssFile is the pages of its executable " +
		"the monitor has mapped, shared with every other monitor, RssAnon what is its own; Pss (from smaps_rollup) charges each shared page " +
		"to its sharers in equal parts, what one more monitor costs.\n\n")
	writeTable(b, rows)
	b.WriteString("\n")
}

// orMiB is b in MiB, or a dash for a figure the kernel did not give.
func orMiB(b int64) string {
	if b == 0 {
		return "–"
	}
	return fmtMiB(b)
}

// countsText is how many monitors the snapshots found: one number when
// they agree, else the smallest and the largest.
func countsText(counts []int) string {
	lo, hi := counts[0], counts[0]
	for _, c := range counts {
		lo, hi = min(lo, c), max(hi, c)
	}
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}
