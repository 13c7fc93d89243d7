package journal

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestCmdLine(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want string
	}{
		// As docker 20.10 prints them: "exec_create: true ", "exec_create: sh -c exit 3".
		{[]string{"true"}, "true "},
		{[]string{"sh", "-c", "exit 3"}, "sh -c exit 3"},
		{nil, " "},
	} {
		if got := CmdLine(tc.cmd); got != tc.want {
			t.Errorf("CmdLine(%q) got %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

// TestFormat pins the line format: journals written before this package
// existed must still read, and what it writes must read the same.
func TestFormat(t *testing.T) {
	dir := t.TempDir()
	// Lines as the engine wrote them before.
	old := `{"time":"2026-01-02T03:04:05Z","action":"kill","signal":15}` + "\n" +
		`{"time":"2026-01-02T03:04:06Z","action":"exec_create","execID":"e1","cmd":"sh -c exit 3"}` + "\n" +
		`{"time":"2026-01-02T03:04:07Z","action":"exec_die","execID":"e1","exitCode":0}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, File), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	ents, _ := Read(dir, Pos{})
	if len(ents) != 3 || ents[0].Signal != 15 || ents[1].Cmd != "sh -c exit 3" || ents[2].ExitCode == nil || *ents[2].ExitCode != 0 {
		t.Fatalf("Read(old journal) got %+v", ents)
	}
	if err := os.Remove(filepath.Join(dir, File)); err != nil {
		t.Fatal(err)
	}
	if err := Append(dir, ents...); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != old {
		t.Errorf("Append wrote\n%s\nwant the lines it read\n%s", b, old)
	}
}

// TestExec notes an exec's create and start at once, and its die, with
// one ID, when told.
func TestExec(t *testing.T) {
	dir := t.TempDir()
	died := Exec(dir, []string{"/bin/sh", "-c", "exit 3"})
	ents, pos := Read(dir, Pos{})
	if len(ents) != 2 || ents[0].Action != "exec_create" || ents[1].Action != "exec_start" {
		t.Fatalf("after Exec got %+v, want exec_create and exec_start", ents)
	}
	id := ents[0].ExecID
	for _, ent := range ents {
		if ent.ExecID != id || ent.Cmd != "/bin/sh -c exit 3" || ent.ExitCode != nil || ent.Time.IsZero() {
			t.Errorf("note %+v, want execID %s, the command line, a time and no exit code", ent, id)
		}
	}
	died(3)
	ents, _ = Read(dir, pos)
	if len(ents) != 1 || ents[0].Action != "exec_die" || ents[0].ExecID != id || ents[0].ExitCode == nil || *ents[0].ExitCode != 3 {
		t.Errorf("after died(3) got %+v, want one exec_die of %s with 3", ents, id)
	}
}

func TestNewExecID(t *testing.T) {
	a, b := NewExecID(), NewExecID()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a) {
		t.Errorf("NewExecID() got %q, want 64 hex digits", a)
	}
	if a == b {
		t.Errorf("NewExecID() gave %q twice", a)
	}
}

// TestReadFile reads complete lines only, skips one that does not parse,
// and resumes where it stopped.
func TestReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	write := func(s string) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	if got, off := readFile(path, 0); got != nil || off != 0 {
		t.Errorf("readFile(missing) got %v, %d; want nothing at 0", got, off)
	}
	write(`{"action":"kill","signal":15}` + "\n" + "garbage\n" + `{"action":"kill","sig`)
	got, off := readFile(path, 0)
	if len(got) != 1 || got[0].Signal != 15 {
		t.Errorf("readFile got %+v, want the one complete kill", got)
	}
	write(`nal":9}` + "\n")
	got, off2 := readFile(path, off)
	if len(got) != 1 || got[0].Signal != 9 {
		t.Errorf("readFile from %d got %+v, want the kill finished since", off, got)
	}
	if fi, _ := os.Stat(path); off2 != fi.Size() {
		t.Errorf("offset got %d, want the end, %d", off2, fi.Size())
	}
}

// TestRotation writes notes past the rotation size: a reader that kept
// its position gets every note once, across the rotation, and one that
// starts afresh reads both files.
func TestRotation(t *testing.T) {
	dir := t.TempDir()
	cmd := strings.Repeat("x", 4000)
	var pos Pos
	var got []int
	read := func() {
		ents, next := Read(dir, pos)
		pos = next
		for _, ent := range ents {
			got = append(got, ent.Signal)
		}
	}
	const n = 2 * rotateSize / 4000 // two rotations' worth
	for i := 1; i <= n; i++ {
		if err := Append(dir, Entry{Action: "kill", Signal: i, Cmd: cmd}); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			read()
		}
	}
	read()
	if len(got) != n {
		t.Fatalf("read %d notes across rotations, want %d", len(got), n)
	}
	for i, sig := range got {
		if sig != i+1 {
			t.Fatalf("note %d is %d, want %d: notes lost or read twice", i, sig, i+1)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, Old)); err != nil {
		t.Errorf("no rotated journal: %v", err)
	}
	for _, name := range []string{File, Old} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Size() > rotateSize+8192 {
			t.Errorf("%s holds %d bytes, past the rotation size", name, fi.Size())
		}
	}
	all, _ := Read(dir, Pos{})
	if len(all) <= rotateSize/4096 || all[len(all)-1].Signal != n {
		t.Errorf("a fresh read got %d notes, want the rotated and current journals' up to note %d", len(all), n)
	}
}

// TestConcurrentWriters: notes written at once, across a rotation, are
// all there, each whole, once.
func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	const writers, each = 4, 100 // 400 notes of 4 kB: one rotation
	cmd := strings.Repeat("x", 4000)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := Append(dir, Entry{Action: "kill", Signal: w*each + i, Cmd: cmd}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	all, _ := Read(dir, Pos{})
	seen := map[int]bool{}
	for _, ent := range all {
		if seen[ent.Signal] || ent.Cmd != cmd {
			t.Fatalf("note %d read twice or torn", ent.Signal)
		}
		seen[ent.Signal] = true
	}
	if len(seen) != writers*each {
		t.Errorf("read %d notes, want %d", len(seen), writers*each)
	}
}

// TestAppendToRemovedDir: a removed container's directory is not made
// again by a late note.
func TestAppendToRemovedDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	if err := Append(dir, Entry{Action: "kill", Signal: 9}); err == nil {
		t.Error("Append to a missing directory succeeded")
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("Append made the removed directory again")
	}
}
