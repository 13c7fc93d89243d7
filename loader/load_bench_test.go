package loader

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchStack writes a compose file shaped like the bench/ stacks: size
// services in a binary depends_on tree (service i depends on (i-1)/2), all on
// network back and every third also on front, every fifth mounting the named
// volume data. It returns the directory.
func benchStack(tb testing.TB, size int) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString("services:\n")
	name := func(i int) string { return fmt.Sprintf("svc%03d", i) }
	for i := range size {
		fmt.Fprintf(&b, "  %s:\n    image: berth-test:latest\n", name(i))
		fmt.Fprintf(&b, "    environment:\n      BENCH_SERVICE: %s\n      BENCH_HOST: ${BENCH_HOST:-localhost}\n", name(i))
		if i > 0 {
			fmt.Fprintf(&b, "    depends_on:\n      - %s\n", name((i-1)/2))
		}
		b.WriteString("    networks:\n      - back\n")
		if i%3 == 0 {
			b.WriteString("      - front\n")
		}
		if i%5 == 0 {
			b.WriteString("    volumes:\n      - data:/data\n")
		}
	}
	b.WriteString("networks:\n  back: {}\n  front: {}\nvolumes:\n  data: {}\n")
	dir := filepath.Join(tb.TempDir(), "stack")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// BenchmarkLoad measures Load on generated stacks, without the cache (what
// a first run pays), with a warm one (every later run), and after an edit
// of one service (a splice into the cached project).
//
//	go test -run '^$' -bench Load -benchmem ./loader/
func BenchmarkLoad(b *testing.B) {
	for _, size := range []int{50, 200} {
		dir := benchStack(b, size)
		environ := map[string]string{"HOME": b.TempDir(), "PATH": "/usr/bin:/bin"}
		file := filepath.Join(dir, "compose.yaml")
		orig, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"nocache", "cached", "edited"} {
			b.Run(fmt.Sprintf("%s/services=%d", mode, size), func(b *testing.B) {
				opts := Options{WorkingDir: dir, Environ: environ}
				if mode != "nocache" {
					opts.CacheDir = b.TempDir()
					if _, err := Load(context.Background(), opts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				gen := 0
				for b.Loop() {
					if mode == "edited" {
						b.StopTimer()
						gen++
						leaf := fmt.Sprintf("BENCH_SERVICE: svc%03d\n", size-1)
						edit := bytes.Replace(orig, []byte(leaf), fmt.Appendf(nil, "BENCH_SERVICE: svc%03d-%d\n", size-1, gen), 1)
						if err := os.WriteFile(file, edit, 0o644); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
					p, err := Load(context.Background(), opts)
					if err != nil {
						b.Fatal(err)
					}
					if len(p.Services) != size {
						b.Fatalf("Load got %d services, want %d", len(p.Services), size)
					}
				}
			})
		}
	}
}
