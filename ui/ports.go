package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"text/tabwriter"

	"github.com/berth-dev/berth/running"
)

// WritePorts prints `port --all`: one row per published port, or with
// format "json" the bindings as an array (never null) with
// running.Binding's keys.
func WritePorts(w io.Writer, rows []running.Binding, format string) error {
	switch format {
	case "table", "":
		tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		fmt.Fprintln(tw, "SERVICE\tINDEX\tPRIVATE PORT\tPUBLISHED")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%d\t%d/%s\t%s\n", r.Service, r.Index, r.ContainerPort, r.Protocol,
				net.JoinHostPort(r.HostIP, strconv.Itoa(int(r.HostPort))))
		}
		return tw.Flush()
	case "json":
		if rows == nil {
			rows = []running.Binding{}
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rows); err != nil {
			return fmt.Errorf("encode ports: %w", err)
		}
		_, err := w.Write(b.Bytes())
		return err
	default:
		return fmt.Errorf("--format %q: use table or json", format)
	}
}
