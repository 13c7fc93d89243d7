package monitorproc

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// dnsFixture is a project with a front network (app, web-1, web-2, and a
// stopped web-3) and a back network (web-1 and db), as the embedded DNS of
// app's monitor sees it.
func dnsFixture() ([]*Record, func(*Record) bool) {
	rec := func(id, name, service string, nets ...Attachment) *Record {
		r := &Record{ID: strings.Repeat(id, 64), Name: name, Labels: map[string]string{engine.LabelService: service}, Networks: nets}
		return r
	}
	on := func(net, addr string, aliases ...string) Attachment {
		return Attachment{Network: "p_" + net, NetworkID: net + "id", Addr: netip.MustParsePrefix(addr + "/24"), Aliases: aliases}
	}
	app := rec("a", "p-app-1", "app", on("front", "10.1.0.2"))
	web1 := rec("b", "p-web-1", "web", on("front", "10.1.0.3", "www"), on("back", "10.2.0.3"))
	web2 := rec("c", "p-web-2", "web", on("front", "10.1.0.4"))
	web3 := rec("d", "p-web-3", "web", on("front", "10.1.0.5"))
	db := rec("e", "p-db-1", "db", on("back", "10.2.0.4"))
	db.Service.Hostname = "database"
	stopped := web3.ID
	return []*Record{app, web1, web2, web3, db}, func(r *Record) bool { return r.ID != stopped }
}

func TestAddrsOf(t *testing.T) {
	all, running := dnsFixture()
	self := all[0].ID
	for _, tc := range []struct {
		name string
		want string
	}{
		{"web", "10.1.0.3 10.1.0.4"},          // every running replica, on app's network only
		{"p-web-1", "10.1.0.3"},               // a container name
		{"www", "10.1.0.3"},                   // an alias
		{"p-web-1.p_front", "10.1.0.3"},       // <container>.<network>, as PTR answers
		{"p-web-1.p_back", ""},                // a network app is not on
		{strings.Repeat("c", 12), "10.1.0.4"}, // a short ID
		{"p-web-3", ""},                       // stopped
		{"db", ""},                            // on back only
		{"database", ""},                      // its hostname, on back only
		{"p-app-1", "10.1.0.2"},               // itself
		{"example.com", ""},                   // not ours
		{strings.Repeat("c", 64)[:11], ""},    // too short for an ID
		{"P-WEB-2", "10.1.0.4"},               // case blind
		{"p-web-2.p_front.p_front", ""},       // only one network suffix
		{"p_front", ""},                       // a network is no host
		{"web.p_front", "10.1.0.3 10.1.0.4"},  // any name with a network
		{"www.p_front", "10.1.0.3"},
		{strings.Repeat("b", 12) + ".p_front", "10.1.0.3"},
	} {
		var got []string
		for _, a := range addrsOf(self, all, running, strings.ToLower(tc.name)) {
			got = append(got, a.String())
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("addrsOf(%q) = %q, want %q", tc.name, s, tc.want)
		}
	}
	if got := addrsOf("unknown", all, running, "web"); got != nil {
		t.Errorf("for a container without a record: %v, want nothing", got)
	}
}

func TestNamesOf(t *testing.T) {
	all, running := dnsFixture()
	for _, tc := range []struct {
		self int // index in all of the asking container
		ip   string
		want []string
	}{
		{0, "10.1.0.3", []string{"p-web-1.p_front", "p-web-1"}},
		{0, "10.1.0.2", []string{"p-app-1.p_front", "p-app-1"}},
		{0, "::ffff:10.1.0.4", []string{"p-web-2.p_front", "p-web-2"}}, // IPv4-mapped
		{0, "10.1.0.5", nil}, // stopped
		{0, "10.2.0.4", nil}, // db, on a network app is not on
		{0, "10.9.9.9", nil}, // not ours
		{4, "10.2.0.3", []string{"p-web-1.p_back", "p-web-1"}},
		{4, "10.1.0.3", nil}, // web-1, but on front, where db is not
	} {
		got := namesOf(all[tc.self].ID, all, running, netip.MustParseAddr(tc.ip))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s asks for %s: %q, want %q", all[tc.self].Name, tc.ip, got, tc.want)
		}
	}
}
