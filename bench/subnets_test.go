package main

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSubnets(t *testing.T) {
	tests := []struct {
		first, n    int
		back, front string
	}{
		{150, 0, "10.150.0.0/24", "10.150.1.0/24"},
		{150, 127, "10.150.254.0/24", "10.150.255.0/24"},
		{150, 128, "10.151.0.0/24", "10.151.1.0/24"}, // the next block once a block is used up
		{199, 128, "10.100.0.0/24", "10.100.1.0/24"}, // and round to 10.100 after 10.199
	}
	for _, tt := range tests {
		got := subnets(tt.first, tt.n)
		if got[netBack] != tt.back || got[netFront] != tt.front {
			t.Errorf("subnets(%d, %d) = %v, want back %s, front %s", tt.first, tt.n, got, tt.back, tt.front)
		}
	}
}

// A real /proc/net/route: the default route, a /24 and two /16s, addresses
// in host (little-endian) order.
const procRoute = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0
bsw0	0000C50A	00000000	0001	0	0	0	00FFFFFF	0	0	0
docker0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0
docker_gwbridge	000012AC	00000000	0001	0	0	0	0000FFFF	0	0	0
`

func TestParseRoutes(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		wantErr  string
	}{
		{name: "routes, default left out", in: procRoute, want: []string{"10.197.0.0/24", "172.17.0.0/16", "172.18.0.0/16"}},
		{name: "header only", in: strings.SplitAfter(procRoute, "\n")[0]},
		{name: "host route", in: "Iface\tDestination\nlo\t0100007F\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0\n", want: []string{"127.0.0.1/32"}},
		{name: "bad hex", in: "Iface\nbr0\tXX00C50A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n", wantErr: `"XX00C50A" is not 8 hex digits`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRoutes(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseRoutes error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, prefixStrings(got)); d != "" {
				t.Errorf("parseRoutes mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestParsePrefixes(t *testing.T) {
	got := parsePrefixes("172.17.0.0/16 \n\n10.0.0.0/24 fd00::/64 \n10.197.0.1/24 nonsense\n")
	want := []string{"172.17.0.0/16", "10.0.0.0/24", "fd00::/64", "10.197.0.0/24"}
	if d := cmp.Diff(want, prefixStrings(got)); d != "" {
		t.Errorf("parsePrefixes mismatch (-want +got):\n%s", d)
	}
}

func TestSubnetPicker(t *testing.T) {
	tests := []struct {
		name    string
		taken   []string
		err     error
		want    []string // back subnets of three picks in a row
		wantLog string
	}{
		{name: "nothing taken", want: []string{"10.150.0.0/24", "10.150.2.0/24", "10.150.4.0/24"}},
		{
			name:  "a bridge's route and a wider docker network skipped",
			taken: []string{"10.150.1.0/24", "10.150.4.0/23", "172.17.0.0/16"},
			want:  []string{"10.150.2.0/24", "10.150.6.0/24", "10.150.8.0/24"},
		},
		{
			name:  "a whole block taken",
			taken: []string{"10.150.0.0/16"},
			want:  []string{"10.151.0.0/24", "10.151.2.0/24", "10.151.4.0/24"},
		},
		{
			name:    "what could be read is used",
			taken:   []string{"10.150.0.0/24"},
			err:     errors.New("docker network ls: exit status 1"),
			want:    []string{"10.150.2.0/24", "10.150.4.0/24", "10.150.6.0/24"},
			wantLog: "bench: docker network ls: exit status 1; picking subnets without it\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log strings.Builder
			p := &subnetPicker{block: 150, log: &log, taken: func(context.Context) ([]netip.Prefix, error) {
				return parsePrefixes(strings.Join(tt.taken, " ")), tt.err
			}}
			var got []string
			for range 3 {
				m, err := p.pick(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, m[netBack])
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("picks mismatch (-want +got):\n%s", d)
			}
			if !strings.HasPrefix(log.String(), tt.wantLog) || (tt.wantLog == "" && log.Len() > 0) {
				t.Errorf("log got %q, want %q", log.String(), tt.wantLog)
			}
		})
	}
}

func TestSubnetPickerFull(t *testing.T) {
	p := &subnetPicker{block: 150, log: io.Discard, taken: func(context.Context) ([]netip.Prefix, error) {
		return parsePrefixes("10.0.0.0/8"), nil
	}}
	if m, err := p.pick(context.Background()); err == nil {
		t.Fatalf("pick with 10/8 taken = %v, want an error", m)
	}
}

func prefixStrings(ps []netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}
