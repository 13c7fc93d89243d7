package ui

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/running"
)

// WriteTop prints the processes of every container as one table, as
// compose's top does: SERVICE and # (the container number) first, then the
// engine's columns in the order first met, CMD last; a column a container
// lacks shows "-". Nothing is printed when there are no processes.
func WriteTop(w io.Writer, tables []running.Processes) error {
	cols := []string{"SERVICE", "#"}
	var rows []map[string]string
	for _, t := range tables {
		for _, proc := range t.Rows {
			row := map[string]string{"SERVICE": t.Container.Labels[engine.LabelService], "#": t.Container.Labels[engine.LabelNumber]}
			if row["SERVICE"] == "" {
				row["SERVICE"] = t.Container.Name
			}
			for i, title := range t.Titles {
				if !slices.Contains(cols, title) {
					cols = append(cols, title)
				}
				if i < len(proc) {
					row[title] = proc[i]
				}
			}
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if i := slices.Index(cols, "CMD"); i >= 0 {
		cols = append(slices.Delete(cols, i, i+1), "CMD")
	}
	tw := tabwriter.NewWriter(w, 4, 1, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, row := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			v, ok := row[c]
			if !ok {
				v = "-"
			}
			cells[i] = v
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
