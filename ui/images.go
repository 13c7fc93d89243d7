package ui

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"

	"github.com/berth-dev/berth/inspect"
)

// WriteImagesTable writes compose's images table, one line per container.
func WriteImagesTable(w io.Writer, rows []inspect.ContainerImage, now time.Time) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER\tREPOSITORY\tTAG\tPLATFORM\tIMAGE ID\tSIZE\tCREATED")
	for _, r := range rows {
		created := "N/A"
		if r.Created != nil {
			created = units.HumanDuration(now.UTC().Sub(*r.Created)) + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Container, orNone(r.Repository), orNone(r.Tag),
			platformOrUnknown(r.Platform), truncateID(r.ID), units.HumanSizeWithPrecision(float64(r.Size), 3), created)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write images table: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write images table: %w", err)
	}
	return nil
}

// imageRecord is compose's `images --format json` element.
type imageRecord struct {
	ID            string     `json:"ID"`
	ContainerName string     `json:"ContainerName"`
	Repository    string     `json:"Repository"`
	Tag           string     `json:"Tag"`
	Platform      string     `json:"Platform"`
	Size          int64      `json:"Size"`
	Created       *time.Time `json:"Created,omitempty"`
	LastTagTime   *time.Time `json:"LastTagTime,omitempty"`
}

// WriteImagesJSON writes the rows as one JSON array on one line, as
// compose does.
func WriteImagesJSON(w io.Writer, rows []inspect.ContainerImage) error {
	out := make([]imageRecord, 0, len(rows))
	for _, r := range rows {
		out = append(out, imageRecord{ID: r.ID, ContainerName: r.Container, Repository: r.Repository,
			Tag: r.Tag, Platform: platformOrUnknown(r.Platform), Size: r.Size, Created: r.Created,
			LastTagTime: r.LastTagTime})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write images json: %w", err)
	}
	return nil
}

// WriteImageIDs writes each image ID once, without its algorithm, in the
// order of the rows: images -q.
func WriteImageIDs(w io.Writer, rows []inspect.ContainerImage) error {
	var seen []string
	for _, r := range rows {
		id := r.ID
		if _, hex, ok := strings.Cut(id, ":"); ok {
			id = hex
		}
		if slices.Contains(seen, id) {
			continue
		}
		seen = append(seen, id)
		if _, err := fmt.Fprintln(w, id); err != nil {
			return err
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// platformOrUnknown spells a missing platform as containerd's formatter,
// which compose uses, does.
func platformOrUnknown(p string) string {
	if p == "" {
		return "unknown"
	}
	return p
}
