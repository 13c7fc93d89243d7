package ui

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/berth-dev/berth/engine"
)

// WriteVolumesTable writes volumes as `docker compose volumes` does: the
// driver and the name, in docker's table layout.
func WriteVolumesTable(w io.Writer, volumes []engine.Volume) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "DRIVER\tVOLUME NAME")
	for _, v := range volumes {
		fmt.Fprintf(tw, "%s\t%s\n", v.Driver, v.Name)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write volumes table: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write volumes table: %w", err)
	}
	return nil
}

// volumeRecord is one volume in --format json, as compose prints it with
// docker's volume formatter: the fields a list does not fill say "N/A".
type volumeRecord struct {
	Availability string
	Driver       string
	Group        string
	Labels       string
	Links        string
	Mountpoint   string
	Name         string
	Scope        string
	Size         string
	Status       string
}

// WriteVolumesJSON writes one JSON object per volume per line, as docker's
// formatter does for --format json.
func WriteVolumesJSON(w io.Writer, volumes []engine.Volume) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, v := range volumes {
		rec := volumeRecord{Availability: "N/A", Driver: v.Driver, Group: "N/A", Labels: joinLabels(v.Labels), Links: "N/A",
			Mountpoint: v.Mountpoint, Name: v.Name, Scope: v.Scope, Size: "N/A", Status: "N/A"}
		if err := enc.Encode(rec); err != nil {
			return fmt.Errorf("write volumes json for %s: %w", v.Name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write volumes json: %w", err)
	}
	return nil
}
