package netctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
)

// The iptables commands: `iptables` is whichever backend the system chose;
// the two others name a backend explicitly.
const (
	iptablesCmd = "iptables"
	legacyCmd   = "iptables-legacy"
	nftCmd      = "iptables-nft"
)

// commander runs one iptables command and returns its standard output. It is
// the seam between the rule logic and the kernel, so that unit tests can run
// the logic on tables kept in memory.
type commander interface {
	Run(ctx context.Context, name string, args ...string) (string, error)
	// Restore runs `<bin>-restore -w --noflush` with input on its stdin:
	// many rule changes in one command, committed per table.
	Restore(ctx context.Context, bin, input string) error
}

// execCommander runs the real binaries.
type execCommander struct{}

func (execCommander) Run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

func (execCommander) Restore(ctx context.Context, bin, input string) error {
	name := bin + "-restore"
	cmd := exec.CommandContext(ctx, name, "-w", "--noflush")
	cmd.Stdin = strings.NewReader(input)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// firewall applies and removes a bridge's rules.
type firewall struct {
	cmd commander
	// legacyTables returns /proc/net/ip_tables_names: the legacy tables the
	// kernel holds. Asking iptables-legacy about a table that is not loaded
	// would load it, so the legacy backend is consulted only when its filter
	// table already exists.
	legacyTables func() (string, error)
}

func newFirewall() firewall {
	return firewall{
		cmd: execCommander{},
		legacyTables: func() (string, error) {
			b, err := os.ReadFile("/proc/net/ip_tables_names")
			if errors.Is(err, os.ErrNotExist) {
				return "", nil
			}
			return string(b), err
		},
	}
}

// rule is one iptables rule without its comment.
type rule struct {
	table, chain string
	args         []string
}

// comment is the tag on every rule berth adds for bridge name.
func comment(name string) string { return "berth:" + name }

// spec is the rule's match and target with berth's comment, as -C, -I, -A
// and -D take it after the chain name.
func (r rule) spec(bridge string) []string {
	s := append([]string{}, r.args...)
	// The comment goes before the target so that the rule reads like
	// `iptables -S` prints it.
	at := len(s)
	for i, a := range s {
		if a == "-j" {
			at = i
			break
		}
	}
	out := append([]string{}, s[:at]...)
	out = append(out, "-m", "comment", "--comment", comment(bridge))
	return append(out, s[at:]...)
}

// natRules are the rules that give bridge b's subnet a way out: one
// MASQUERADE for traffic leaving through any other interface. An internal
// bridge has none.
func natRules(b Bridge) []rule {
	if b.Internal {
		return nil
	}
	subnet := b.Gateway.Masked().String()
	return []rule{{table: "nat", chain: "POSTROUTING", args: []string{"-s", subnet, "!", "-o", b.Name, "-j", "MASQUERADE"}}}
}

// forwardRules are the filter FORWARD rules of bridge b. Traffic between the
// bridge's own ports is accepted (with br_netfilter loaded it passes FORWARD
// too). A normal bridge may also start connections to anywhere and receive
// the replies; an internal bridge is cut off from every other interface.
func forwardRules(b Bridge) []rule {
	fw := func(args ...string) rule { return rule{table: "filter", chain: "FORWARD", args: args} }
	same := fw("-i", b.Name, "-o", b.Name, "-j", "ACCEPT")
	if b.Internal {
		return []rule{
			same,
			fw("-i", b.Name, "!", "-o", b.Name, "-j", "DROP"),
			fw("-o", b.Name, "!", "-i", b.Name, "-j", "DROP"),
		}
	}
	return []rule{
		same,
		fw("-i", b.Name, "!", "-o", b.Name, "-j", "ACCEPT"),
		fw("-o", b.Name, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"),
	}
}

// isolationRules are the mangle FORWARD rule of bridge b: it drops every
// forwarded packet that enters b from another interface and belongs to no
// connection tracked as established, as docker isolates its networks from
// one another. Containers on two networks then cannot reach each other unless
// one is attached to both (its traffic is then not forwarded), while replies
// to the connections b's containers start still come in.
//
// Nothing forwarded into b needs to start a connection: published ports are
// proxied in user space, so their traffic leaves the host's own stack. The
// rule sits in mangle, whose FORWARD hook runs before filter's, so that no
// ACCEPT in filter FORWARD can overtake it: the ACCEPT another bridge puts
// first for its outgoing traffic would otherwise decide by the order in
// which bridges (and concurrent berth processes) inserted their rules. For
// the same reason it matches on the bridge packets enter, not on a pattern of
// names they leave by: a host uplink that happens to be called br-lan keeps
// working.
func isolationRules(b Bridge) []rule {
	return []rule{{table: "mangle", chain: "FORWARD", args: []string{
		"!", "-i", b.Name, "-o", b.Name, "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED", "-j", "DROP",
	}}}
}

// otherBackend names the backend `iptables` is not, from `iptables --version`
// ("iptables v1.8.9 (nf_tables)" or "… (legacy)").
func otherBackend(version string) string {
	if strings.Contains(version, "nf_tables") {
		return legacyCmd
	}
	return nftCmd
}

// other returns the backend `iptables` does not point at, or "" when that
// backend holds no filter table to list.
func (f firewall) other(ctx context.Context) (string, error) {
	version, err := f.cmd.Run(ctx, iptablesCmd, "--version")
	if err != nil {
		return "", fmt.Errorf("find the iptables backend: %w (is iptables installed?)", err)
	}
	other := otherBackend(version)
	if other == legacyCmd {
		tables, err := f.legacyTables()
		if err != nil {
			return "", fmt.Errorf("list the legacy iptables tables: %w", err)
		}
		if !strings.Contains("\n"+tables, "\nfilter\n") {
			return "", nil
		}
	}
	return other, nil
}

// forwardDrops reports whether the filter FORWARD policy of backend bin is
// DROP (or the backend cannot be listed, in which case it is not used).
func (f firewall) forwardDrops(ctx context.Context, bin string) bool {
	out, err := f.cmd.Run(ctx, bin, "-w", "-t", "filter", "-S", "FORWARD")
	if err != nil {
		return false
	}
	for line := range strings.Lines(out) {
		if fields := strings.Fields(line); len(fields) == 3 && fields[0] == "-P" && fields[1] == "FORWARD" {
			return fields[2] != "ACCEPT"
		}
	}
	return false
}

// ensure adds bridge b's rules where they are missing. Which other backend
// needs rules is asked meanwhile: each answer is an iptables command or
// two, ~5-25 ms each.
func (f firewall) ensure(ctx context.Context, b Bridge) error {
	type backend struct {
		name string
		err  error
	}
	otherc := make(chan backend, 1)
	go func() {
		other, err := f.other(ctx)
		if other != "" && !f.forwardDrops(ctx, other) {
			other = ""
		}
		otherc <- backend{other, err}
	}()
	var forward []placed
	for _, r := range forwardRules(b) {
		// First in the chain: after a DROP-ing rule it would be useless.
		// The rules of one bridge never match the same packet, so their
		// order among themselves does not matter.
		forward = append(forward, placed{r, "-I"})
	}
	// NAT and isolation go through `iptables` only.
	var rules []placed
	for _, r := range natRules(b) {
		rules = append(rules, placed{r, "-A"})
	}
	// Like NAT, isolation needs one backend only: a drop in either is final.
	// First in its chain, so that an ACCEPT someone else put in mangle
	// FORWARD, which would end the chain, cannot skip it.
	for _, r := range isolationRules(b) {
		rules = append(rules, placed{r, "-I"})
	}
	err := f.ensureIn(ctx, iptablesCmd, b.Name, append(rules, forward...))
	other := <-otherc
	// Its error says iptables is missing, which explains the other.
	if other.err != nil {
		return other.err
	}
	if err != nil {
		return err
	}
	if other.name == "" {
		return nil
	}
	return f.ensureIn(ctx, other.name, b.Name, forward)
}

// placed is a rule and how it goes into its chain: -A (last) or -I (first).
type placed struct {
	rule
	op string
}

// args are the iptables arguments that add the rule, after the table.
func (p placed) args(bridge string) []string {
	args := []string{p.op, p.chain}
	if p.op == "-I" {
		args = append(args, "1")
	}
	return append(args, p.spec(bridge)...)
}

// ensureIn adds rules through backend bin. A chain that holds no rule of
// the bridge yet (a new network: the common case) gets all of its rules in
// one iptables-restore with the other chains': a check and an add per rule
// were two commands each, each reading the whole ruleset with iptables-nft,
// ~280 ms of every up that created two networks. A chain that holds some
// has its rules checked and added one by one, as does every chain should
// the restore fail.
func (f firewall) ensureIn(ctx context.Context, bin, bridge string, rules []placed) error {
	// The chains are listed at once.
	var chains [][2]string
	for _, r := range rules {
		if c := [2]string{r.table, r.chain}; !slices.Contains(chains, c) {
			chains = append(chains, c)
		}
	}
	none := make([]bool, len(chains)) // the chain holds no rule of the bridge
	var wg sync.WaitGroup
	for i, c := range chains {
		wg.Go(func() {
			listing, err := f.cmd.Run(ctx, bin, "-w", "-t", c[0], "-S", c[1])
			none[i] = err == nil && len(deletions(listing, bridge)) == 0
		})
	}
	wg.Wait()
	var fresh, known []placed
	for _, r := range rules {
		if none[slices.Index(chains, [2]string{r.table, r.chain})] {
			fresh = append(fresh, r)
		} else {
			known = append(known, r)
		}
	}
	if len(fresh) > 0 {
		cmds := make([]command, 0, len(fresh))
		for _, r := range fresh {
			cmds = append(cmds, command{table: r.table, args: r.args(bridge)})
		}
		if f.cmd.Restore(ctx, bin, restoreInput(cmds)) != nil {
			// Per table all or nothing: the checks below skip what went in.
			known = append(known, fresh...)
		}
	}
	for _, r := range known {
		if err := f.add(ctx, bin, bridge, r); err != nil {
			return err
		}
	}
	return nil
}

// add adds rule r through bin unless it is there.
func (f firewall) add(ctx context.Context, bin, bridge string, r placed) error {
	spec := r.spec(bridge)
	check := append([]string{"-w", "-t", r.table, "-C", r.chain}, spec...)
	if _, err := f.cmd.Run(ctx, bin, check...); err == nil {
		return nil
	}
	if _, err := f.cmd.Run(ctx, bin, append([]string{"-w", "-t", r.table}, r.args(bridge)...)...); err != nil {
		return fmt.Errorf("add the %s rule of bridge %s: %w", r.chain, bridge, err)
	}
	return nil
}

// remove deletes every rule commented berth:<bridge> from the chains berth
// uses, in both backends: per backend, one iptables-restore for all of them
// (each iptables-nft command reads the whole ruleset, so that a command per
// rule cost a good part of a down), rule by rule should that fail.
func (f firewall) remove(ctx context.Context, bridge string) error {
	other, err := f.other(ctx)
	if err != nil {
		return err
	}
	// The other backend only ever gets filter FORWARD rules; listing its
	// nat or mangle table could load a legacy module that was not there.
	chains := map[string][][2]string{iptablesCmd: {{"filter", "FORWARD"}, {"nat", "POSTROUTING"}, {"mangle", "FORWARD"}}}
	bins := []string{iptablesCmd}
	if other != "" {
		chains[other] = [][2]string{{"filter", "FORWARD"}}
		bins = append(bins, other)
	}
	var errs []error
	for _, bin := range bins {
		dels, err := f.listDeletions(ctx, bin, bridge, chains[bin])
		if err != nil {
			errs = append(errs, err)
		}
		if len(dels) == 0 || f.cmd.Restore(ctx, bin, restoreInput(dels)) == nil {
			continue
		}
		// A restore is all or nothing per table, and another process may
		// have deleted a rule meanwhile: list again, delete one by one.
		if dels, err = f.listDeletions(ctx, bin, bridge, chains[bin]); err != nil {
			errs = append(errs, err)
		}
		for _, d := range dels {
			if _, err := f.cmd.Run(ctx, bin, append([]string{"-w", "-t", d.table}, d.args...)...); err != nil {
				errs = append(errs, fmt.Errorf("remove a rule of bridge %s: %w", bridge, err))
			}
		}
	}
	return errors.Join(errs...)
}

// command is one rule command, as iptables-restore takes it: its table
// and its arguments (-A, -I or -D, the chain, ...).
type command struct {
	table string
	args  []string
}

// listDeletions lists bridge's rules in chains (table, chain) of backend
// bin. A backend other than `iptables` that cannot be listed holds none.
func (f firewall) listDeletions(ctx context.Context, bin, bridge string, chains [][2]string) ([]command, error) {
	var out []command
	var errs []error
	for _, c := range chains {
		table, chain := c[0], c[1]
		listing, err := f.cmd.Run(ctx, bin, "-w", "-t", table, "-S", chain)
		if err != nil {
			if bin != iptablesCmd {
				continue
			}
			errs = append(errs, fmt.Errorf("list %s %s: %w", table, chain, err))
			continue
		}
		for _, args := range deletions(listing, bridge) {
			out = append(out, command{table: table, args: args})
		}
	}
	return out, errors.Join(errs...)
}

// restoreInput is the iptables-restore input that runs cmds, a table at a
// time.
func restoreInput(cmds []command) string {
	var in strings.Builder
	for _, table := range []string{"filter", "nat", "mangle"} {
		header := false
		for _, d := range cmds {
			if d.table != table {
				continue
			}
			if !header {
				in.WriteString("*" + table + "\n")
				header = true
			}
			in.WriteString(strings.Join(d.args, " ") + "\n")
		}
		if header {
			in.WriteString("COMMIT\n")
		}
	}
	return in.String()
}

// deletions turns the `iptables -S` lines carrying bridge's comment into the
// arguments of the -D commands that delete them.
func deletions(listing, bridge string) [][]string {
	var out [][]string
	for line := range strings.Lines(listing) {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != "-A" {
			continue
		}
		ours := false
		for i := range fields {
			// iptables prints the comment quoted: --comment "berth:br-x".
			fields[i] = strings.Trim(fields[i], `"`)
			if i > 0 && fields[i-1] == "--comment" && fields[i] == comment(bridge) {
				ours = true
			}
		}
		if ours {
			out = append(out, append([]string{"-D"}, fields[1:]...))
		}
	}
	return out
}
