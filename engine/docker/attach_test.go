package docker

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

// daemonSide plays the daemon's end of a hijacked connection: it reads
// the client's input to its end, then writes out and closes.
func daemonSide(t *testing.T, conn net.Conn, out []byte) <-chan string {
	t.Helper()
	in := make(chan string, 1) // read once, by the test
	go func() {
		defer conn.Close()
		b, _ := io.ReadAll(io.LimitReader(conn, 5))
		in <- string(b)
		_, _ = conn.Write(out)
	}()
	return in
}

// frame writes one frame of the multiplexed stream: the stream's number,
// three zero bytes, the big-endian length, the payload.
func frame(b *bytes.Buffer, stream byte, payload string) {
	hdr := [8]byte{stream}
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(payload)))
	b.Write(hdr[:])
	b.WriteString(payload)
}

func TestPumpDemultiplexesWithoutTTY(t *testing.T) {
	var frames bytes.Buffer
	frame(&frames, 1, "out\n")
	frame(&frames, 2, "err\n")
	clientEnd, daemonEnd := net.Pipe()
	in := daemonSide(t, daemonEnd, frames.Bytes())
	var stdout, stderr bytes.Buffer
	s := engine.Streams{Stdin: strings.NewReader("typed"), Stdout: &stdout, Stderr: &stderr}
	err := pump(context.Background(), client.NewHijackedResponse(clientEnd, ""), s, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "out\n" || stderr.String() != "err\n" {
		t.Errorf("pump got stdout %q stderr %q, want out and err apart", stdout.String(), stderr.String())
	}
	if got := <-in; got != "typed" {
		t.Errorf("daemon read input %q, want typed", got)
	}
}

func TestPumpCopiesATTYRaw(t *testing.T) {
	clientEnd, daemonEnd := net.Pipe()
	daemonSide(t, daemonEnd, []byte("\x01raw\r\n"))
	var stdout bytes.Buffer
	s := engine.Streams{Stdin: strings.NewReader("12345"), Stdout: &stdout, TTY: true}
	if err := pump(context.Background(), client.NewHijackedResponse(clientEnd, ""), s, true, nil); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "\x01raw\r\n" {
		t.Errorf("pump with a TTY got %q, want the bytes as sent", stdout.String())
	}
}

func TestPumpEndsWithCtx(t *testing.T) {
	clientEnd, daemonEnd := net.Pipe()
	defer daemonEnd.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := engine.Streams{Stdout: io.Discard}
	if err := pump(ctx, client.NewHijackedResponse(clientEnd, ""), s, true, nil); err != nil {
		t.Errorf("pump after ctx ended got %v, want nil", err)
	}
}
