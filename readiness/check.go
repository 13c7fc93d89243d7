package readiness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine"
)

// Log holds once a line of the container's output (stdout or stderr)
// matches Pattern.
type Log struct{ Pattern *regexp.Regexp }

func (l Log) String() string { return "log:" + l.Pattern.String() }

// Check reads the container's whole log each time: a line matched once
// stays in it, and a log read from the start cannot miss one.
func (l Log) Check(ctx context.Context, eng Engine, c engine.Container) error {
	var out bytes.Buffer
	if err := eng.Logs(ctx, c.ID, engine.LogOptions{Tail: "all"}, &out, &out); err != nil {
		return fmt.Errorf("log: %w", err)
	}
	n := 0
	for line := range strings.Lines(out.String()) {
		n++
		if l.Pattern.MatchString(strings.TrimRight(line, "\r\n")) {
			return nil
		}
	}
	return fmt.Errorf("log: no line matches %q (%d lines so far)", l.Pattern.String(), n)
}

// HTTP holds once GET Path on the container's Port answers with Status, or
// any 2xx when Status is zero. Redirects are followed.
type HTTP struct {
	Port   uint16
	Path   string
	Status int
}

func (h HTTP) String() string {
	s := "http:" + strconv.Itoa(int(h.Port)) + h.Path
	if h.Status != 0 {
		s += "=" + strconv.Itoa(h.Status)
	}
	return s
}

func (h HTTP) Check(ctx context.Context, _ Engine, c engine.Container) error {
	addr, err := Address(c, h.Port)
	if err != nil {
		return fmt.Errorf("http %d%s: %w", h.Port, h.Path, err)
	}
	where := addr + h.Path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+where, nil)
	if err != nil {
		return fmt.Errorf("http %s: %w", where, err)
	}
	// A client of its own: no proxy from the environment, no kept
	// connections between attempts.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("http %s: %w", where, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case h.Status != 0 && resp.StatusCode != h.Status:
		return fmt.Errorf("http %s: status %d, want %d", where, resp.StatusCode, h.Status)
	case h.Status == 0 && (resp.StatusCode < 200 || resp.StatusCode > 299):
		return fmt.Errorf("http %s: status %d, want 2xx", where, resp.StatusCode)
	}
	return nil
}

// TCP holds once the container's Port accepts a connection that stays
// open (see the package doc on Docker's proxy).
type TCP struct{ Port uint16 }

func (t TCP) String() string { return "tcp:" + strconv.Itoa(int(t.Port)) }

// tcpSettle is how long a new connection must stay open, or send data,
// to count: Docker's proxy closes one it cannot pass on within a
// millisecond or so.
const tcpSettle = 200 * time.Millisecond

func (t TCP) Check(ctx context.Context, _ Engine, c engine.Container) error {
	addr, err := Address(c, t.Port)
	if err != nil {
		return fmt.Errorf("tcp %d: %w", t.Port, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		var oerr *net.OpError
		if errors.As(err, &oerr) {
			err = oerr.Err
		}
		return fmt.Errorf("tcp %s: %w", addr, err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(tcpSettle))
	_, err = conn.Read(make([]byte, 1))
	var nerr net.Error
	if err == nil || errors.As(err, &nerr) && nerr.Timeout() {
		return nil
	}
	return fmt.Errorf("tcp %s: connection closed at once (nothing listens behind the published port): %w", addr, err)
}

// Command holds once Argv, run inside the container as docker exec runs
// it, exits 0.
type Command struct{ Argv []string }

func (c Command) String() string { return "cmd:" + strings.Join(c.Argv, " ") }

func (c Command) Check(ctx context.Context, eng Engine, ctr engine.Container) error {
	var out bytes.Buffer
	code, err := eng.Exec(ctx, ctr.ID, engine.ExecSpec{Cmd: c.Argv}, engine.Streams{Stdout: &out, Stderr: &out})
	if err != nil {
		return fmt.Errorf("command %q: %w", c.Argv, err)
	}
	if code != 0 {
		msg := fmt.Sprintf("command %q: exit code %d", c.Argv, code)
		if last := lastLine(out.String()); last != "" {
			msg += ": " + last
		}
		return errors.New(msg)
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// Address is where this host connects to c's TCP port: the published host
// port when there is one, else c's address on the first of its networks,
// by name, that has one (see the package doc).
func Address(c engine.Container, port uint16) (string, error) {
	var published []engine.Port
	for _, p := range c.Ports {
		if p.ContainerPort == port && p.HostPort != 0 && (p.Protocol == "" || p.Protocol == "tcp") {
			published = append(published, p)
		}
	}
	// IPv4 bindings first: 127.0.0.1 works even where IPv6 is off.
	slices.SortStableFunc(published, func(a, b engine.Port) int {
		return boolRank(strings.Contains(a.HostIP, ":")) - boolRank(strings.Contains(b.HostIP, ":"))
	})
	if len(published) > 0 {
		p := published[0]
		host := p.HostIP
		switch host {
		case "", "0.0.0.0":
			host = "127.0.0.1"
		case "::":
			host = "::1"
		}
		return net.JoinHostPort(host, strconv.Itoa(int(p.HostPort))), nil
	}
	names := make([]string, 0, len(c.Networks))
	for name := range c.Networks {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if ip := c.Networks[name].IPAddress; ip != "" {
			return net.JoinHostPort(ip, strconv.Itoa(int(port))), nil
		}
	}
	if _, ok := c.Networks["host"]; ok {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))), nil
	}
	return "", fmt.Errorf("port %d is not published and container %s has no network address", port, c.Name)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
