package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/inspect"
)

// WriteEvent writes one event as compose's events command does:
//
//	2026-01-01 12:00:00.000000 container start 4f0a… (image=app, name=shop-web-1)
//
// with the attributes sorted, so that the line is stable.
func WriteEvent(w io.Writer, e inspect.ServiceEvent) error {
	attrs := make([]string, 0, len(e.Attributes))
	for _, k := range slices.Sorted(maps.Keys(e.Attributes)) {
		attrs = append(attrs, k+"="+e.Attributes[k])
	}
	_, err := fmt.Fprintf(w, "%s container %s %s (%s)\n",
		e.Time.Format("2006-01-02 15:04:05.000000"), e.Action, e.Container, strings.Join(attrs, ", "))
	return err
}

// eventRecord is compose's `events --json` object; encoding/json sorts
// the keys of the map compose marshals, which this field order matches.
type eventRecord struct {
	Action     string            `json:"action"`
	Attributes map[string]string `json:"attributes"`
	ID         string            `json:"id"`
	Service    string            `json:"service"`
	Time       string            `json:"time"`
	Type       string            `json:"type"`
}

// WriteEventJSON writes one event as a line of JSON, as compose's
// events --json does.
func WriteEventJSON(w io.Writer, e inspect.ServiceEvent) error {
	b, err := json.Marshal(eventRecord{
		Action: e.Action, Attributes: e.Attributes, ID: e.Container, Service: e.Service,
		Time: e.Time.Format("2006-01-02T15:04:05.999999999Z07:00"), Type: "container",
	})
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}
