package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// spawner runs the measured commands through bench/spawn, a small helper
// process, so that their peak RSS is their own (see bench/spawn for why a
// child of bench cannot report less than bench's).
type spawner struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *json.Decoder
	errs <-chan error // the helper's exit
}

// spawnRequest and spawnReply mirror bench/spawn's request and reply.
type spawnRequest struct {
	Argv []string
	Dir  string
	Env  []string
}

type spawnReply struct {
	WallNs int64
	RSS    int64
	Code   int
	Stderr string
	Err    string
}

// startSpawner builds bench/spawn into tmp and starts it; ctx ending kills
// it, and with it the command it runs.
func startSpawner(ctx context.Context, root, tmp string) (*spawner, error) {
	bin := filepath.Join(tmp, "spawn")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./bench/spawn")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build bench/spawn: %w: %s", err, tail(string(out), 3))
	}
	cmd := exec.CommandContext(ctx, bin)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start bench/spawn: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start bench/spawn: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start bench/spawn: %w", err)
	}
	errs := make(chan error, 1)
	go func() { errs <- cmd.Wait() }()
	return &spawner{cmd: cmd, in: in, out: json.NewDecoder(bufio.NewReader(out)), errs: errs}, nil
}

// run runs argv in dir with env and returns what the helper measured. One
// command runs at a time.
func (s *spawner) run(argv []string, dir string, env []string) (spawnReply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, err := json.Marshal(spawnRequest{Argv: argv, Dir: dir, Env: env})
	if err != nil {
		return spawnReply{}, err
	}
	if _, err := s.in.Write(append(req, '\n')); err != nil {
		return spawnReply{}, fmt.Errorf("bench/spawn: %w", err)
	}
	var rep spawnReply
	if err := s.out.Decode(&rep); err != nil {
		return spawnReply{}, fmt.Errorf("bench/spawn stopped: %w", err)
	}
	return rep, nil
}

// close ends the helper once its last command is done.
func (s *spawner) close() {
	s.in.Close()
	select {
	case <-s.errs:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}
