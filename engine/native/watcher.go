package native

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
)

// StartWatcher runs spec's container for as long as the returned
// connection lives. The connection is a pipe whose read end the
// container's monitor holds: when the holder closes it or dies, the
// monitor sees the end of input and kills the container, which then
// removes itself. (A container's own stdin cannot carry that end here: the
// monitor keeps the container's input open, as docker's open stdin.)
func (e *Engine) StartWatcher(ctx context.Context, spec engine.WatcherSpec) (engine.WatcherConn, error) {
	op := "start watcher " + spec.Name
	// Its input is the stdin fifo, which never ends: the monitor ends the
	// container when the holder's pipe (fd 4) closes instead.
	svc := types.ServiceConfig{Name: "watcher", Image: spec.Image, Command: spec.Command, NetworkMode: "none", StdinOpen: true}
	for _, b := range spec.Binds {
		if _, err := os.Stat(b.Source); err != nil {
			return nil, fmt.Errorf("%s: bind %s: %w", op, b.Source, err)
		}
		svc.Volumes = append(svc.Volumes, types.ServiceVolumeConfig{Type: types.VolumeTypeBind, Source: b.Source, Target: b.Destination, ReadOnly: b.ReadOnly})
	}
	id, err := e.CreateContainer(ctx, engine.ContainerSpec{Name: spec.Name, Service: svc, Labels: spec.Labels, AutoRemove: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	fail := func(err error) (engine.WatcherConn, error) {
		_ = e.RemoveContainer(context.WithoutCancel(ctx), id, engine.RemoveOptions{Force: true})
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	err = e.locked(func() error {
		c, err := e.readContainer(id)
		if err != nil {
			return err
		}
		c.Watched = true
		return e.writeContainer(c)
	})
	if err != nil {
		return fail(err)
	}
	c, err := e.readContainer(id)
	if err != nil {
		return fail(err)
	}
	if err := e.prepare(ctx, c); err != nil {
		return fail(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	err = e.launch(ctx, c, r)
	r.Close()
	if err == nil && spec.Ready != "" {
		err = e.waitReady(ctx, c, spec.Ready)
	}
	if err != nil {
		w.Close()
		return fail(err)
	}
	conn := &watcherConn{w: w, done: make(chan struct{})}
	go conn.watch(e.containerDir(id))
	return conn, nil
}

// waitReady follows the watcher's output until a line holds ready; a
// watcher that ends first fails with what it wrote.
func (e *Engine) waitReady(ctx context.Context, c *container, ready string) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out bytes.Buffer
	found := &readyWriter{want: []byte(ready), found: cancel, buf: &out}
	err := monitor.ReadLogs(rctx, filepath.Join(e.containerDir(c.ID), "ctr.log"), monitor.LogOptions{Follow: true}, found, found)
	switch {
	case found.ok:
		return nil
	case err != nil:
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("it did not print %q in time: %w; its output: %s", ready, ctx.Err(), out.Bytes())
	}
	return fmt.Errorf("it exited before printing %q; its output: %s", ready, out.Bytes())
}

// readyWriter records output and cancels the read once want appears.
type readyWriter struct {
	mu    sync.Mutex
	want  []byte
	buf   *bytes.Buffer
	ok    bool
	found func()
}

func (r *readyWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf.Write(p)
	if !r.ok && bytes.Contains(r.buf.Bytes(), r.want) {
		r.ok = true
		r.found()
	}
	return len(p), nil
}

// watcherConn is the holder's end of a watcher.
type watcherConn struct {
	w    *os.File
	once sync.Once
	done chan struct{}
}

func (c *watcherConn) Close() error {
	var err error
	c.once.Do(func() {
		err = c.w.Close()
		close(c.done)
	})
	return err
}

func (c *watcherConn) Done() <-chan struct{} { return c.done }

// watch closes the connection once the watcher's container is gone.
func (c *watcherConn) watch(dir string) {
	t := time.NewTicker(10 * pollInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		if _, err := os.Stat(filepath.Join(dir, "container.json")); errors.Is(err, fs.ErrNotExist) || exited(dir) {
			_ = c.Close()
			return
		}
	}
}

func exited(dir string) bool {
	st, err := monitor.ReadState(dir)
	return err == nil && st.Status == monitor.StatusExited
}
