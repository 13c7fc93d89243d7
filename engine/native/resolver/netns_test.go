package resolver

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/vishvananda/netns"
)

// inNetns runs fn on a thread switched into ns, and switches it back.
func inNetns(t *testing.T, ns netns.NsHandle, fn func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- err
			return // the thread stays locked: Go discards it
		}
		defer orig.Close()
		if err := netns.Set(ns); err != nil {
			errc <- err
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			errc <- fmt.Errorf("switching back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// newNetns makes a network namespace that lives as long as the test: it is
// held by a file descriptor only, so closing it is the whole clean-up.
func newNetns(t *testing.T) netns.NsHandle {
	t.Helper()
	var ns netns.NsHandle
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		ns, err = netns.New() // also switches this thread into it
		if err != nil {
			errc <- err
			return
		}
		if err := netns.Set(orig); err != nil {
			errc <- fmt.Errorf("switching back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- nil
	}()
	if err := <-errc; err != nil {
		if ns.IsOpen() {
			ns.Close()
		}
		t.Fatalf("creating a network namespace: %v", err)
	}
	t.Cleanup(func() { ns.Close() })
	return ns
}

// TestListenInNetns serves 127.0.0.11:53 in a fresh network namespace, as
// the monitor does for its container, and queries it from inside: berth's
// names from Lookup, and another name forwarded to an upstream that only the
// host's namespace can reach.
func TestListenInNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("network namespaces need root, and CI must run this test")
		}
		t.Skip("network namespaces need root")
	}
	up := startUpstream(t, false) // on the host's 127.0.0.1
	ns := newNetns(t)

	pc, ln, err := ListenInNetns(fmt.Sprintf("/proc/self/fd/%d", int(ns)), "127.0.0.11:53")
	if err != nil {
		t.Fatalf("ListenInNetns: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- (&Server{Lookup: lookup, Upstreams: []string{up.addr}}).Serve(ctx, pc, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	})

	for _, proto := range []string{"udp", "tcp"} {
		for _, tt := range []struct {
			qname string
			want  []string
		}{
			{"web.", []string{"A 10.199.3.2 600", "A 10.199.3.3 600"}},
			{"example.org.", []string{"A 192.0.2.1 30"}},
		} {
			var got []string
			err := inNetns(t, ns, func() error {
				req := new(dns.Msg)
				req.SetQuestion(tt.qname, dns.TypeA)
				resp, _, err := (&dns.Client{Net: proto}).Exchange(req, "127.0.0.11:53")
				if err != nil {
					return err
				}
				got = answers(resp)
				return nil
			})
			if err != nil {
				t.Fatalf("%s query %s in the namespace: %v", proto, tt.qname, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s %s: answers = %q, want %q", proto, tt.qname, got, tt.want)
			}
		}
	}
}

func TestListenInNetnsFails(t *testing.T) {
	tests := []struct {
		name, nsPath, want string
	}{
		{name: "namespace removed", nsPath: "/nonexistent/netns", want: "opening network namespace"},
		// A namespace of another kind: setns refuses it for CLONE_NEWNET.
		{name: "not a network namespace", nsPath: "/proc/self/ns/uts", want: "entering network namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pc, ln, err := ListenInNetns(tt.nsPath, "127.0.0.11:53")
			if err == nil {
				pc.Close()
				ln.Close()
				t.Fatal("ListenInNetns succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to say %q", err, tt.want)
			}
		})
	}
}
