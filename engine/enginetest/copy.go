package enginetest

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// testCopy: a tar extracted into a container can be described and read
// back, its entries named from the path's last element, as docker cp
// relies on.
func testCopy(t *testing.T, e *env) {
	id := e.create(e.spec(e.project, "web"))
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	for _, h := range []*tar.Header{
		{Name: "berth-copy/", Mode: 0o755, Typeflag: tar.TypeDir},
		{Name: "berth-copy/f.txt", Mode: 0o640, Size: 5, Typeflag: tar.TypeReg},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := io.WriteString(tw, "hello"); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.CopyToContainer(e.ctx, id, "/", &in, engine.CopyToOptions{}); err != nil {
		t.Fatalf("CopyToContainer: %v", err)
	}

	st, err := e.eng.StatPath(e.ctx, id, "/berth-copy")
	if err != nil || !st.Mode.IsDir() || st.Name != "berth-copy" {
		t.Errorf("StatPath(/berth-copy) got %+v (%v), want the directory berth-copy", st, err)
	}
	st, err = e.eng.StatPath(e.ctx, id, "/berth-copy/f.txt")
	if err != nil || !st.Mode.IsRegular() || st.Size != 5 || st.Mode.Perm() != 0o640 {
		t.Errorf("StatPath(/berth-copy/f.txt) got %+v (%v), want a 5-byte file with mode 0640", st, err)
	}
	_, err = e.eng.StatPath(e.ctx, id, "/berth-nope")
	wantErr(t, "StatPath(/berth-nope)", err, engine.ErrNotFound)

	rc, st, err := e.eng.CopyFromContainer(e.ctx, id, "/berth-copy")
	if err != nil {
		t.Fatalf("CopyFromContainer(/berth-copy): %v", err)
	}
	defer rc.Close()
	if !st.Mode.IsDir() {
		t.Errorf("CopyFromContainer(/berth-copy) described %+v, want a directory", st)
	}
	var names []string
	content := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("CopyFromContainer(/berth-copy): read tar: %v", err)
		}
		names = append(names, h.Name)
		b, _ := io.ReadAll(tr)
		content[h.Name] = string(b)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"berth-copy/", "berth-copy/f.txt"}) || content["berth-copy/f.txt"] != "hello" {
		t.Errorf("CopyFromContainer(/berth-copy) got entries %q (f.txt %q), want berth-copy/ and berth-copy/f.txt holding hello", names, content["berth-copy/f.txt"])
	}
	_, _, err = e.eng.CopyFromContainer(e.ctx, id, "/berth-nope")
	wantErr(t, "CopyFromContainer(/berth-nope)", err, engine.ErrNotFound)
}
