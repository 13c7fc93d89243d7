package loader

import (
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
// a first run pays) and with a warm one (every later run).
//
//	go test -run '^$' -bench Load -benchmem ./loader/
func BenchmarkLoad(b *testing.B) {
	for _, size := range []int{50, 200} {
		dir := benchStack(b, size)
		environ := map[string]string{"HOME": b.TempDir(), "PATH": "/usr/bin:/bin"}
		for _, mode := range []string{"nocache", "cached"} {
			b.Run(fmt.Sprintf("%s/services=%d", mode, size), func(b *testing.B) {
				opts := Options{WorkingDir: dir, Environ: environ}
				if mode == "cached" {
					opts.CacheDir = b.TempDir()
					if _, err := Load(context.Background(), opts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				for b.Loop() {
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
