package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/berth-dev/berth/running"
)

// WriteProjects prints projects as compose's ls does: a table (NAME,
// STATUS, CONFIG FILES), or with format "json" one JSON array on one line,
// [] when there are none.
func WriteProjects(w io.Writer, rows []running.Project, format string) error {
	switch format {
	case "table", "":
		tw := tabwriter.NewWriter(w, 20, 1, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTATUS\tCONFIG FILES")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, r.Status, r.ConfigFiles)
		}
		return tw.Flush()
	case "json":
		if rows == nil {
			rows = []running.Project{}
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		// File paths keep their & and <, as in compose's output.
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rows); err != nil {
			return fmt.Errorf("encode projects: %w", err)
		}
		_, err := w.Write(b.Bytes())
		return err
	default:
		return fmt.Errorf("--format %q: use table or json", format)
	}
}
