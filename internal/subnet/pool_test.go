package subnet

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		pool, size string
		want       string // "off", the pool and bits "10.199.0.0/16 /24", or "error: <part>"
	}{
		{"10.199.0.0/16", "", "10.199.0.0/16 /24"},
		{" 10.199.0.0/16 ", "/26", "10.199.0.0/16 /26"},
		{"10.199.7.9/16", "24", "10.199.0.0/16 /24"}, // host bits are masked
		{"10.0.0.0/8", "16", "10.0.0.0/8 /16"},
		{"10.199.3.0/24", "24", "10.199.3.0/24 /24"},
		{"off", "", "off"},
		{"OFF", "24", "off"},
		{"none", "", "off"},
		{"0", "", "off"},
		{"", "", "error: want an IPv4 range"},
		{"10.199.0.0", "", "error: want an IPv4 range"},
		{"fd00::/64", "", "error: want an IPv4 range"},
		{"10.199.0.0/16", "x", "error: want a prefix length"},
		{"10.199.0.0/16", "8", "error: between the pool's /16 and /30"},
		{"10.199.0.0/16", "31", "error: between the pool's /16 and /30"},
	} {
		t.Run(tc.pool+"_"+tc.size, func(t *testing.T) {
			p, ok, err := Parse(tc.pool, tc.size)
			var got string
			switch {
			case err != nil:
				got = "error: " + err.Error()
			case !ok:
				got = "off"
			default:
				got = p.String() + " /" + itoa(p.Bits)
			}
			if strings.HasPrefix(tc.want, "error: ") {
				if !strings.HasPrefix(got, "error: ") || !strings.Contains(got, strings.TrimPrefix(tc.want, "error: ")) {
					t.Errorf("Parse(%q, %q) got %q, want an error containing %q", tc.pool, tc.size, got, tc.want)
				}
				return
			}
			if got != tc.want {
				t.Errorf("Parse(%q, %q) got %q, want %q", tc.pool, tc.size, got, tc.want)
			}
		})
	}
}

func TestDefaultPoolParses(t *testing.T) {
	p, ok, err := Parse(DefaultPool, "")
	if err != nil || !ok || p.Size() != 256 {
		t.Errorf("Parse(DefaultPool) got %v (ok %v, %d subnets, error %v), want a pool of 256 /24s", p, ok, p.Size(), err)
	}
	for _, docker := range []string{"172.17.0.0/16", "172.31.0.0/16", "192.168.0.0/16", "10.0.0.0/16", "10.8.0.0/24", "10.96.0.0/12", "10.244.0.0/16"} {
		if p.Range.Overlaps(netip.MustParsePrefix(docker)) {
			t.Errorf("DefaultPool %s overlaps %s, a range commonly in use", p, docker)
		}
	}
}

func TestPick(t *testing.T) {
	pool := Pool{Range: netip.MustParsePrefix("10.199.0.0/16"), Bits: 24}
	small := Pool{Range: netip.MustParsePrefix("10.199.0.0/22"), Bits: 24} // 4 subnets
	for _, tc := range []struct {
		name string
		pool Pool
		used []string
		want string // "" when nothing is free
	}{
		{"empty engine", pool, nil, "10.199.0.0/24"},
		{"other ranges only", pool, []string{"172.17.0.0/16", "192.168.0.0/20", "fd00::/64"}, "10.199.0.0/24"},
		{"first taken", pool, []string{"10.199.0.0/24"}, "10.199.1.0/24"},
		{"hole is reused", pool, []string{"10.199.0.0/24", "10.199.2.0/24"}, "10.199.1.0/24"},
		{"smaller network inside a subnet", pool, []string{"10.199.0.128/25"}, "10.199.1.0/24"},
		{"larger network covers several", pool, []string{"10.199.0.0/20"}, "10.199.16.0/24"},
		{"network covering the start of the pool", pool, []string{"10.198.0.0/15"}, ""},
		{"unmasked prefix", pool, []string{"10.199.0.77/23"}, "10.199.2.0/24"},
		{"full", small, []string{"10.199.0.0/24", "10.199.1.0/24", "10.199.2.0/24", "10.199.3.0/24"}, ""},
		{"last one free", small, []string{"10.199.0.0/23", "10.199.2.0/24"}, "10.199.3.0/24"},
		{"covered by 10/8", small, []string{"10.0.0.0/8"}, ""},
		{"zero pool", Pool{}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var used []netip.Prefix
			for _, u := range tc.used {
				used = append(used, netip.MustParsePrefix(u))
			}
			got, ok := tc.pool.Pick(used)
			if tc.want == "" {
				if ok {
					t.Errorf("Pick(%v) got %s, want none free", tc.used, got)
				}
				return
			}
			if !ok || got.String() != tc.want {
				t.Errorf("Pick(%v) got %s (ok %v), want %s", tc.used, got, ok, tc.want)
			}
		})
	}
}

// TestPickWholePool walks a pool to its end: every subnet is handed out
// once, and the last one is the pool's last.
func TestPickWholePool(t *testing.T) {
	pool := Pool{Range: netip.MustParsePrefix("10.199.0.0/16"), Bits: 24}
	var used []netip.Prefix
	seen := map[netip.Prefix]bool{}
	for range pool.Size() {
		s, ok := pool.Pick(used)
		if !ok || seen[s] || !pool.Range.Contains(s.Addr()) {
			t.Fatalf("Pick after %d subnets got %s (ok %v, seen %v), want a new subnet of %s", len(used), s, ok, seen[s], pool)
		}
		seen[s] = true
		used = append(used, s)
	}
	if last := used[len(used)-1].String(); last != "10.199.255.0/24" {
		t.Errorf("last subnet got %s, want 10.199.255.0/24", last)
	}
	if s, ok := pool.Pick(used); ok {
		t.Errorf("Pick on a full pool got %s, want none", s)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
