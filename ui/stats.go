package ui

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/docker/go-units"

	"github.com/berth-dev/berth/inspect"
)

// statsRecord is a line of docker stats, formatted as docker formats it;
// the fields are in the order docker's --format json prints them.
type statsRecord struct {
	BlockIO   string `json:"BlockIO"`
	CPUPerc   string `json:"CPUPerc"`
	Container string `json:"Container"`
	ID        string `json:"ID"`
	MemPerc   string `json:"MemPerc"`
	MemUsage  string `json:"MemUsage"`
	Name      string `json:"Name"`
	NetIO     string `json:"NetIO"`
	PIDs      string `json:"PIDs"`
}

func newStatsRecord(s inspect.ContainerStats, noTrunc bool) statsRecord {
	id := s.ID
	if !noTrunc {
		id = truncateID(id)
	}
	return statsRecord{
		BlockIO:   units.HumanSizeWithPrecision(float64(s.BlockRead), 3) + " / " + units.HumanSizeWithPrecision(float64(s.BlockWrite), 3),
		CPUPerc:   fmt.Sprintf("%.2f%%", s.CPUPercent),
		Container: id,
		ID:        id,
		MemPerc:   fmt.Sprintf("%.2f%%", s.MemPercent),
		MemUsage:  units.BytesSize(float64(s.MemUsage)) + " / " + units.BytesSize(float64(s.MemLimit)),
		Name:      s.Name,
		NetIO:     units.HumanSizeWithPrecision(float64(s.NetRx), 3) + " / " + units.HumanSizeWithPrecision(float64(s.NetTx), 3),
		PIDs:      fmt.Sprintf("%d", s.PIDs),
	}
}

// WriteStatsTable writes docker stats' table.
func WriteStatsTable(w io.Writer, rows []inspect.ContainerStats, noTrunc bool) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tNAME\tCPU %\tMEM USAGE / LIMIT\tMEM %\tNET I/O\tBLOCK I/O\tPIDS")
	for _, s := range rows {
		r := newStatsRecord(s, noTrunc)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.CPUPerc, r.MemUsage, r.MemPerc, r.NetIO, r.BlockIO, r.PIDs)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write stats table: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write stats table: %w", err)
	}
	return nil
}

// WriteStatsJSON writes one JSON object per container per line, as docker
// stats --format json does.
func WriteStatsJSON(w io.Writer, rows []inspect.ContainerStats, noTrunc bool) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, s := range rows {
		if err := enc.Encode(newStatsRecord(s, noTrunc)); err != nil {
			return fmt.Errorf("write stats json: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write stats json: %w", err)
	}
	return nil
}
