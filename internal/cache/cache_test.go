package cache

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGetPut(t *testing.T) {
	d := Dir{Path: filepath.Join(t.TempDir(), "c"), Max: 10}
	if _, err := d.Get("k1"); !errors.Is(err, ErrMiss) {
		t.Fatalf("Get(k1) on a missing directory got error %v, want ErrMiss", err)
	}
	if err := d.Put("k1", []byte("one")); err != nil {
		t.Fatalf("Put(k1) got error %v", err)
	}
	if err := d.Put("k1", []byte("uno")); err != nil {
		t.Fatalf("Put(k1) again got error %v", err)
	}
	got, err := d.Get("k1")
	if err != nil || string(got) != "uno" {
		t.Fatalf("Get(k1) got %q, %v, want \"uno\", nil", got, err)
	}
	if err := d.Remove("k1"); err != nil {
		t.Fatalf("Remove(k1) got error %v", err)
	}
	if _, err := d.Get("k1"); !errors.Is(err, ErrMiss) {
		t.Fatalf("Get(k1) after Remove got error %v, want ErrMiss", err)
	}
	if err := d.Remove("k1"); err != nil {
		t.Fatalf("Remove(k1) of a missing entry got error %v, want nil", err)
	}
}

func TestPermissions(t *testing.T) {
	d := Dir{Path: filepath.Join(t.TempDir(), "c")}
	if err := d.Put("k", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want os.FileMode
	}{
		{d.Path, 0o700},
		{d.file("k"), 0o600},
	} {
		st, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != tc.want {
			t.Errorf("mode of %s got %v, want %v", filepath.Base(tc.path), got, tc.want)
		}
	}
}

func TestInvalidKey(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	for _, key := range []string{"", "../x", "a/b", "a.json", strings.Repeat("a", 129)} {
		t.Run(key, func(t *testing.T) {
			if err := d.Put(key, nil); err == nil {
				t.Errorf("Put(%q) got nil error, want one", key)
			}
			if _, err := d.Get(key); err == nil || errors.Is(err, ErrMiss) {
				t.Errorf("Get(%q) got error %v, want a key error", key, err)
			}
		})
	}
}

// TestTrim checks that Put keeps the Max most recently used entries, that
// a Get counts as a use, and that only berth's own files are touched.
func TestTrim(t *testing.T) {
	d := Dir{Path: t.TempDir(), Max: 3}
	base := time.Now().Add(-time.Hour)
	for i, key := range []string{"a", "b", "c"} {
		if err := d.Put(key, []byte(key)); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(i) * time.Minute)
		if err := os.Chtimes(d.file(key), at, at); err != nil {
			t.Fatal(err)
		}
	}
	// "a" is the oldest written, but using it makes "b" the least recent.
	if _, err := d.Get("a"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.Path, "notes.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	staleTmp := filepath.Join(d.Path, tmpPrefix+"stale")
	freshTmp := filepath.Join(d.Path, tmpPrefix+"fresh")
	for _, p := range []string{staleTmp, freshTmp} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(staleTmp, old, old); err != nil {
		t.Fatal(err)
	}
	if err := d.Put("d", []byte("d")); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(d.Path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	want := []string{tmpPrefix + "fresh", "a.json", "c.json", "d.json", "notes.txt"}
	if !slices.Equal(got, want) {
		t.Errorf("directory after Put(d) with Max 3 got %v, want %v", got, want)
	}
}

// TestTrimBatches checks that going over Max drops the least recently used
// entries down to Max less a quarter, and that nothing is dropped before.
func TestTrimBatches(t *testing.T) {
	d := Dir{Path: t.TempDir(), Max: 8}
	base := time.Now().Add(-time.Hour)
	var keys []string
	for i := range 9 {
		key := string(rune('a' + i))
		keys = append(keys, key)
		if err := d.Put(key, []byte(key)); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(i) * time.Minute)
		if err := os.Chtimes(d.file(key), at, at); err != nil {
			t.Fatal(err)
		}
		ents, err := os.ReadDir(d.Path)
		if err != nil {
			t.Fatal(err)
		}
		if i < 8 && len(ents) != i+1 {
			t.Fatalf("after %d puts with Max 8 the directory holds %d entries, want %d", i+1, len(ents), i+1)
		}
	}
	// The ninth put went over: the three least recently used went.
	for i, key := range keys {
		_, err := d.Get(key)
		if gone := i < 3; gone != errors.Is(err, ErrMiss) {
			t.Errorf("Get(%q) after trim got %v, want gone=%v", key, err, gone)
		}
	}
}
