package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// planJSON is `berth plan --format json`, decoded with the field names
// reconcile.Plan.MarshalJSON promises.
type planJSON struct {
	Project string `json:"project"`
	Actions []struct {
		Kind   string `json:"kind"`
		Target struct {
			Type    string `json:"type"`
			Name    string `json:"name"`
			Service string `json:"service"`
		} `json:"target"`
		Reasons []struct {
			Code  string `json:"code"`
			Field string `json:"field"`
		} `json:"reasons"`
	} `json:"actions"`
	Warnings []string `json:"warnings"`
}

func (s *stack) plan(args ...string) planJSON {
	s.t.Helper()
	r := s.mustBerth(append([]string{"plan", "--format", "json"}, args...)...)
	var p planJSON
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		s.t.Fatalf("plan --format json: %v\n%v", err, r)
	}
	return p
}

// byService summarises the plan's container actions as service -> kinds,
// e.g. {"b": ["recreate"]}, for readable failure messages.
func (p planJSON) byService() map[string][]string {
	m := map[string][]string{}
	for _, a := range p.Actions {
		if a.Target.Service != "" {
			m[a.Target.Service] = append(m[a.Target.Service], a.Kind)
		}
	}
	return m
}

// psEntry is one container of `berth ps --format json`, with docker
// compose's field names.
type psEntry struct {
	ID         string
	Name       string
	Service    string
	State      string
	Health     string
	ExitCode   int
	Publishers []struct {
		URL           string
		TargetPort    int
		PublishedPort int
		Protocol      string
	}
}

// ps decodes `berth ps --format json`: docker compose prints one JSON object
// per line (older versions printed one array), so both are accepted.
func (s *stack) ps(args ...string) []psEntry {
	s.t.Helper()
	r := s.mustBerth(append([]string{"ps", "--format", "json"}, args...)...)
	entries, err := decodePS(r.stdout)
	if err != nil {
		s.t.Fatalf("ps --format json: %v\n%v", err, r)
	}
	return entries
}

func decodePS(out string) ([]psEntry, error) {
	out = strings.TrimSpace(out)
	if strings.HasPrefix(out, "[") {
		var list []psEntry
		err := json.Unmarshal([]byte(out), &list)
		return list, err
	}
	var list []psEntry
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var e psEntry
		err := dec.Decode(&e)
		if err == io.EOF {
			return list, nil
		}
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", len(list)+1, err)
		}
		list = append(list, e)
	}
}

func TestDecodePS(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"json lines", `{"Name":"p-a-1","Service":"a"}` + "\n" + `{"Name":"p-b-1","Service":"b"}` + "\n", []string{"p-a-1", "p-b-1"}},
		{"array", `[{"Name":"p-a-1"},{"Name":"p-b-1"}]`, []string{"p-a-1", "p-b-1"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodePS(tt.in)
			var names []string
			for _, e := range got {
				names = append(names, e.Name)
			}
			if err != nil || strings.Join(names, ",") != strings.Join(tt.want, ",") {
				t.Errorf("decodePS(%q) got %v, %v, want %v", tt.in, names, err, tt.want)
			}
		})
	}
}
