package journal

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Pos is how far a journal has been read: the file, by inode, and the
// offset in it. The zero Pos is the start.
type Pos struct {
	ino uint64
	off int64
}

// Read reads the notes of the journal in the container directory dir
// written since pos, and returns them with the position after the last
// complete one. A journal rotated since pos is read to its end first. The
// zero pos reads everything, the rotated journal included.
func Read(dir string, pos Pos) ([]Entry, Pos) {
	cur, old := filepath.Join(dir, File), filepath.Join(dir, Old)
	ino, ok := inodeOf(cur)
	if !ok {
		// None yet, or just rotated: the rotated one may have grown.
		if oldIno, ok := inodeOf(old); ok && (pos.ino == 0 || oldIno == pos.ino) {
			ents, off := readFile(old, pos.off)
			return ents, Pos{ino: oldIno, off: off}
		}
		return nil, pos
	}
	var out []Entry
	if ino != pos.ino {
		// The zero pos reads it whole; another is where reading it stopped.
		if oldIno, ok := inodeOf(old); ok && (pos.ino == 0 || oldIno == pos.ino) {
			out, _ = readFile(old, pos.off)
		}
		pos = Pos{ino: ino}
	}
	ents, off := readFile(cur, pos.off)
	return append(out, ents...), Pos{ino: ino, off: off}
}

func inodeOf(path string) (uint64, bool) {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return 0, false
	}
	return st.Ino, true
}

// readFile reads the complete entries of the journal at path from byte
// off on, and returns them with the offset after the last one. A line
// being written is left for the next read; a line that does not parse is
// skipped.
func readFile(path string, off int64) ([]Entry, int64) {
	f, err := os.Open(path)
	if err != nil {
		return nil, off
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, off
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, off
	}
	end := bytes.LastIndexByte(b, '\n')
	if end < 0 {
		return nil, off
	}
	var out []Entry
	for line := range bytes.SplitSeq(b[:end], []byte{'\n'}) {
		var ent Entry
		if json.Unmarshal(line, &ent) == nil && ent.Action != "" {
			out = append(out, ent)
		}
	}
	return out, off + int64(end) + 1
}
