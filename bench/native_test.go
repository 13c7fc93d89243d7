package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePsJSON(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]containerState
		wantErr  string
	}{
		{name: "no containers", in: "", want: map[string]containerState{}},
		{
			name: "berth's lines",
			in: `{"Command":"\"/sleeper\"","ID":"0123456789ab","Name":"p-svc000-1","Project":"p","Service":"svc000","State":"running","Status":"Up 2 seconds"}
{"Command":"\"/sleeper\"","ID":"ba9876543210","Name":"p-svc001-1","Project":"p","Service":"svc001","State":"exited","Status":"Exited (0) 1 second ago"}
`,
			want: map[string]containerState{"svc000": {ID: "0123456789ab", State: "running"}, "svc001": {ID: "ba9876543210", State: "exited"}},
		},
		{name: "not JSON", in: "NAME  IMAGE\n", wantErr: "read berth ps --format json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePsJSON([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parsePsJSON error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("parsePsJSON mismatch (-want +got):\n%s", d)
			}
		})
	}
}
