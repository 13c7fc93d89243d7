package netctl

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeTables is an iptables of both backends kept in memory: enough of -S,
// -C, -I, -A and -D for the firewall's use.
type fakeTables struct {
	version string                         // what `iptables --version` prints
	policy  map[string]string              // backend → FORWARD policy
	rules   map[string]map[string][]string // backend → "table chain" → specs in order
	calls   []string
	missing map[string]bool // backends whose binary is absent
	// failRestore makes every iptables-restore fail, as one racing another
	// process's deletion does.
	failRestore bool
	// mu serialises the commands, which the firewall runs concurrently.
	mu sync.Mutex
}

func newFakeTables(version string, policies map[string]string) *fakeTables {
	return &fakeTables{version: version, policy: policies, rules: map[string]map[string][]string{}, missing: map[string]bool{}}
}

// backend resolves `iptables` to the backend it stands for.
func (f *fakeTables) backend(name string) string {
	if name != iptablesCmd {
		return name
	}
	if strings.Contains(f.version, "nf_tables") {
		return nftCmd
	}
	return legacyCmd
}

func (f *fakeTables) Run(ctx context.Context, name string, args ...string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.run(ctx, name, args...)
}

func (f *fakeTables) run(_ context.Context, name string, args ...string) (string, error) {
	f.calls = append(f.calls, name+" "+strings.Join(args, " "))
	if f.missing[name] {
		return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
	}
	if len(args) == 1 && args[0] == "--version" {
		return f.version, nil
	}
	b := f.backend(name)
	table := "filter"
	var op, chain string
	var spec []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-w":
		case "-t":
			i++
			table = args[i]
		case "-S", "-C", "-A", "-D", "-I":
			op, chain = args[i], args[i+1]
			i++
			if op == "-I" {
				i++ // the position: the fake always inserts first
			}
		default:
			spec = append(spec, args[i])
		}
	}
	if f.rules[b] == nil {
		f.rules[b] = map[string][]string{}
	}
	key := table + " " + chain
	line := strings.Join(spec, " ")
	list := f.rules[b][key]
	switch op {
	case "-S":
		var out strings.Builder
		p := "ACCEPT"
		if chain == "FORWARD" && table == "filter" && f.policy[b] != "" {
			p = f.policy[b]
		}
		fmt.Fprintf(&out, "-P %s %s\n", chain, p)
		for _, r := range list {
			// iptables quotes the comment when listing.
			r = strings.Replace(r, "--comment berth:", `--comment "berth:`, 1)
			r = strings.Replace(r, " -j", `" -j`, 1)
			fmt.Fprintf(&out, "-A %s %s\n", chain, r)
		}
		return out.String(), nil
	case "-C":
		if slices.Contains(list, line) {
			return "", nil
		}
		return "", fmt.Errorf("exit status 1: Bad rule (does a matching rule exist in that chain?)")
	case "-A":
		f.rules[b][key] = append(list, line)
	case "-I":
		f.rules[b][key] = append([]string{line}, list...)
	case "-D":
		i := slices.Index(list, line)
		if i < 0 {
			return "", fmt.Errorf("exit status 1: Bad rule")
		}
		f.rules[b][key] = slices.Delete(list, i, i+1)
	default:
		return "", fmt.Errorf("fake iptables: unknown command %v", args)
	}
	return "", nil
}

// Restore applies an iptables-restore input of -A, -I and -D lines, each
// table's changes all or none, as iptables-restore commits them.
func (f *fakeTables) Restore(ctx context.Context, bin, input string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, bin+"-restore")
	if f.missing[bin] || f.failRestore {
		return fmt.Errorf("exec: %q: exit status 1", bin+"-restore")
	}
	// The lines are one command: Run does not record them.
	defer func(n int) { f.calls = f.calls[:n] }(len(f.calls))
	b := f.backend(bin)
	var table string
	var saved map[string][]string
	for line := range strings.Lines(input) {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case strings.HasPrefix(fields[0], "*"):
			table = fields[0][1:]
			saved = map[string][]string{}
			for k, v := range f.rules[b] {
				saved[k] = slices.Clone(v)
			}
		case fields[0] == "COMMIT":
			table = ""
		default:
			if table == "" {
				return fmt.Errorf("fake iptables-restore: %q outside a table", line)
			}
			if _, err := f.run(ctx, bin, append([]string{"-w", "-t", table}, fields...)...); err != nil {
				f.rules[b] = saved
				return fmt.Errorf("fake iptables-restore: line %q: %w", line, err)
			}
		}
	}
	return nil
}

// dump is every rule as "backend table chain: spec", sorted.
func (f *fakeTables) dump() []string {
	var out []string
	for b, chains := range f.rules {
		for key, list := range chains {
			for _, r := range list {
				out = append(out, b+" "+key+": "+r)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestFirewallEnsure(t *testing.T) {
	nft := "iptables v1.8.9 (nf_tables)\n"
	legacy := "iptables v1.8.9 (legacy)\n"
	normal := Bridge{Name: "br-x", Gateway: netip.MustParsePrefix("10.198.3.1/24")}
	internal := Bridge{Name: "br-x", Gateway: netip.MustParsePrefix("10.198.3.1/24"), Internal: true}
	natX := "nat POSTROUTING: -s 10.198.3.0/24 ! -o br-x -m comment --comment berth:br-x -j MASQUERADE"
	isoX := "mangle FORWARD: ! -i br-x -o br-x -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment --comment berth:br-x -j DROP"
	fwd := func(b string) []string {
		return []string{
			b + " filter FORWARD: -i br-x ! -o br-x -m comment --comment berth:br-x -j ACCEPT",
			b + " filter FORWARD: -i br-x -o br-x -m comment --comment berth:br-x -j ACCEPT",
			b + " filter FORWARD: -o br-x -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment berth:br-x -j ACCEPT",
		}
	}
	isolated := func(b string) []string {
		return []string{
			b + " filter FORWARD: -i br-x ! -o br-x -m comment --comment berth:br-x -j DROP",
			b + " filter FORWARD: -i br-x -o br-x -m comment --comment berth:br-x -j ACCEPT",
			b + " filter FORWARD: -o br-x ! -i br-x -m comment --comment berth:br-x -j DROP",
		}
	}
	cat := func(parts ...[]string) []string {
		out := slices.Concat(parts...)
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name         string
		bridge       Bridge
		version      string
		policies     map[string]string
		legacyTables string
		want         []string
	}{
		{
			name: "docker drops in nft, iptables is nft", bridge: normal, version: nft,
			policies:     map[string]string{nftCmd: "DROP", legacyCmd: "ACCEPT"},
			legacyTables: "raw\nmangle\nnat\nfilter\n",
			want:         cat([]string{nftCmd + " " + natX, nftCmd + " " + isoX}, fwd(nftCmd)),
		},
		{
			name: "docker drops in legacy, iptables is nft", bridge: normal, version: nft,
			policies:     map[string]string{nftCmd: "ACCEPT", legacyCmd: "DROP"},
			legacyTables: "filter\nnat\n",
			want:         cat([]string{nftCmd + " " + natX, nftCmd + " " + isoX}, fwd(nftCmd), fwd(legacyCmd)),
		},
		{
			name: "no legacy tables loaded", bridge: normal, version: nft,
			policies: map[string]string{nftCmd: "DROP", legacyCmd: "DROP"},
			want:     cat([]string{nftCmd + " " + natX, nftCmd + " " + isoX}, fwd(nftCmd)),
		},
		{
			name: "iptables is legacy, nft drops", bridge: normal, version: legacy,
			policies: map[string]string{nftCmd: "DROP", legacyCmd: "ACCEPT"},
			want:     cat([]string{legacyCmd + " " + natX, legacyCmd + " " + isoX}, fwd(legacyCmd), fwd(nftCmd)),
		},
		{
			name: "iptables is legacy, no iptables-nft", bridge: normal, version: legacy,
			policies: map[string]string{legacyCmd: "DROP"},
			want:     cat([]string{legacyCmd + " " + natX, legacyCmd + " " + isoX}, fwd(legacyCmd)),
		},
		{
			name: "internal: no NAT, cut off", bridge: internal, version: nft,
			policies:     map[string]string{nftCmd: "DROP", legacyCmd: "DROP"},
			legacyTables: "filter\n",
			want:         cat([]string{nftCmd + " " + isoX}, isolated(nftCmd), isolated(legacyCmd)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			ft := newFakeTables(tt.version, tt.policies)
			if _, ok := tt.policies[nftCmd]; !ok {
				ft.missing[nftCmd] = true
			}
			fw := firewall{cmd: ft, legacyTables: func() (string, error) { return tt.legacyTables, nil }}
			// Twice: the second call must find everything in place.
			for range 2 {
				if err := fw.ensure(ctx, tt.bridge); err != nil {
					t.Fatalf("ensure: %v", err)
				}
				for _, c := range ft.calls {
					if strings.Contains(c, " -I ") || strings.Contains(c, " -A ") {
						t.Errorf("added a rule on its own rather than in one iptables-restore: %s", c)
					}
				}
			}
			if got := ft.dump(); !slices.Equal(got, tt.want) {
				t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if tt.legacyTables == "" && tt.version == nft {
				for _, c := range ft.calls {
					if strings.HasPrefix(c, legacyCmd) {
						t.Errorf("asked the unloaded legacy backend: %s", c)
					}
				}
			}

			// A bridge whose name extends this one's keeps its rules.
			other := tt.bridge
			other.Name = "br-xy"
			if err := fw.ensure(ctx, other); err != nil {
				t.Fatalf("ensure br-xy: %v", err)
			}
			before := len(ft.dump())
			calls := len(ft.calls)
			if err := fw.remove(ctx, tt.bridge.Name); err != nil {
				t.Fatalf("remove: %v", err)
			}
			for _, c := range ft.calls[calls:] {
				if strings.Contains(c, " -D ") {
					t.Errorf("deleted a rule on its own rather than in one iptables-restore: %s", c)
				}
			}
			if err := fw.remove(ctx, tt.bridge.Name); err != nil {
				t.Fatalf("remove again: %v", err)
			}
			left := ft.dump()
			if len(left) != before-len(tt.want) {
				t.Errorf("after remove: %d rules left, want %d:\n%s", len(left), before-len(tt.want), strings.Join(left, "\n"))
			}
			for _, c := range ft.calls {
				if !strings.HasPrefix(c, iptablesCmd+" ") && (strings.Contains(c, "-t nat") || strings.Contains(c, "-t mangle")) {
					t.Errorf("touched the nat or mangle table of the other backend: %s", c)
				}
			}
			for _, r := range left {
				if strings.Contains(r, "berth:br-x ") {
					t.Errorf("rule of br-x left: %s", r)
				}
			}
		})
	}
}

// TestFirewallEnsureFallback adds a bridge's rules one by one, each
// checked first, where iptables-restore fails or some of them are there.
func TestFirewallEnsureFallback(t *testing.T) {
	ctx := context.Background()
	b := Bridge{Name: "br-x", Gateway: netip.MustParsePrefix("10.198.3.1/24")}
	newFW := func() (*fakeTables, firewall) {
		ft := newFakeTables("iptables v1.8.9 (nf_tables)\n", map[string]string{nftCmd: "DROP", legacyCmd: "DROP"})
		return ft, firewall{cmd: ft, legacyTables: func() (string, error) { return "filter\n", nil }}
	}
	ref, fw := newFW()
	if err := fw.ensure(ctx, b); err != nil {
		t.Fatal(err)
	}
	want := ref.dump()
	tests := []struct {
		name  string
		setup func(ft *fakeTables)
	}{
		{name: "restore fails", setup: func(ft *fakeTables) { ft.failRestore = true }},
		{name: "one rule of a chain is there", setup: func(ft *fakeTables) {
			ft.rules[nftCmd] = map[string][]string{"filter FORWARD": {"-i br-x -o br-x -m comment --comment berth:br-x -j ACCEPT"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft, fw := newFW()
			tt.setup(ft)
			if err := fw.ensure(ctx, b); err != nil {
				t.Fatalf("ensure: %v", err)
			}
			if got := ft.dump(); !slices.Equal(got, want) {
				t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestFirewallRemoveFallback removes a bridge's rules one by one when
// iptables-restore fails.
func TestFirewallRemoveFallback(t *testing.T) {
	ctx := context.Background()
	ft := newFakeTables("iptables v1.8.9 (nf_tables)\n", map[string]string{nftCmd: "ACCEPT", legacyCmd: "DROP"})
	fw := firewall{cmd: ft, legacyTables: func() (string, error) { return "filter\n", nil }}
	b := Bridge{Name: "br-x", Gateway: netip.MustParsePrefix("10.198.3.1/24")}
	if err := fw.ensure(ctx, b); err != nil {
		t.Fatal(err)
	}
	ft.failRestore = true
	if err := fw.remove(ctx, b.Name); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if left := ft.dump(); len(left) > 0 {
		t.Errorf("rules left:\n%s", strings.Join(left, "\n"))
	}
}

func TestDeletions(t *testing.T) {
	listing := `-P FORWARD DROP
-A FORWARD -j DOCKER-USER
-A FORWARD -i br-a -o br-a -m comment --comment "berth:br-a" -j ACCEPT
-A FORWARD -i br-ab -m comment --comment "berth:br-ab" -j ACCEPT
-A FORWARD -o br-a -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "berth:br-a" -j ACCEPT
-A FORWARD -i docker0 -m comment --comment "someone else's berth:br-a" -j ACCEPT
-A FORWARD ! -i br-a -o br-a -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment --comment "berth:br-a" -j DROP
`
	got := deletions(listing, "br-a")
	want := [][]string{
		strings.Fields(`-D FORWARD -i br-a -o br-a -m comment --comment berth:br-a -j ACCEPT`),
		strings.Fields(`-D FORWARD -o br-a -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment berth:br-a -j ACCEPT`),
		strings.Fields(`-D FORWARD ! -i br-a -o br-a -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment --comment berth:br-a -j DROP`),
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("deletions:\n%q\nwant:\n%q", got, want)
	}
}
