package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"

	"github.com/berth-dev/berth/running"
)

// WriteStacks prints `ls --wide`: compose's columns, then the
// environment, CI id, age and TTL or lease; with format "json" the same as
// compose's keys plus berth's.
func WriteStacks(w io.Writer, rows []running.Stack, format string, now time.Time) error {
	switch format {
	case "table", "":
		tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTATUS\tCONFIG FILES\tENV\tCI ID\tAGE\tLIFE")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Status, r.ConfigFiles,
				dash(r.Environment), dash(r.CIID), stackAge(r.Created, now), life(r, now))
		}
		return tw.Flush()
	case "json":
		if rows == nil {
			rows = []running.Stack{}
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rows); err != nil {
			return fmt.Errorf("encode stacks: %w", err)
		}
		_, err := w.Write(b.Bytes())
		return err
	default:
		return fmt.Errorf("--format %q: use table or json", format)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func stackAge(created, now time.Time) string {
	if created.IsZero() {
		return "-"
	}
	return units.HumanDuration(now.Sub(created))
}

// life says what keeps the stack or lets gc take it: a lease, then a TTL.
func life(r running.Stack, now time.Time) string {
	switch r.Lease {
	case "live":
		return "lease live"
	case "expired":
		return "lease expired"
	}
	if r.TTLUntil == "" {
		return "-"
	}
	until, err := time.Parse(time.RFC3339, r.TTLUntil)
	if err != nil {
		return "ttl " + r.TTLUntil
	}
	if !until.After(now) {
		return "ttl expired"
	}
	return "ttl " + short(until.Sub(now)) + " left"
}

// short writes d to the minute, as 2h5m or 45m; under a minute is <1m.
func short(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
}
