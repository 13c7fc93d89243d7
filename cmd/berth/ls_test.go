package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLs(t *testing.T) {
	h := newHarness(t, shopCompose)
	withStrangers(h)
	h.mustRun(0, "up", "-d")
	h.mustRun(0, "stop", "web")
	files := h.file

	stdout, _ := h.mustRun(0, "ls")
	want := "" +
		"NAME                STATUS              CONFIG FILES\n" +
		"other               running(1)          /srv/other/compose.yaml\n" +
		"shop                running(1)          " + files + "\n"
	if stdout != want {
		t.Errorf("ls printed\n%s\nwant\n%s", stdout, want)
	}
	stdout, _ = h.mustRun(0, "ls", "-a", "--format", "json")
	var got []map[string]string
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("ls --format json printed %q: %v", stdout, err)
	}
	if len(got) != 2 || got[1]["Name"] != "shop" || got[1]["Status"] != "exited(1), running(1)" || got[1]["ConfigFiles"] != files {
		t.Errorf("ls -a --format json got %v", got)
	}
	if len(got[1]) != 3 {
		t.Errorf("ls json keys got %v, want Name, Status and ConfigFiles only", got[1])
	}
	if stdout, _ := h.mustRun(0, "ls", "-q", "--filter", "name=^sh"); stdout != "shop\n" {
		t.Errorf("ls -q --filter name=^sh printed %q, want shop", stdout)
	}
	if stdout, _ := h.mustRun(0, "ls", "--filter", "name=nope", "--format", "json"); stdout != "[]\n" {
		t.Errorf("ls with nothing matching printed %q, want []", stdout)
	}
	for _, bad := range [][]string{{"ls", "--filter", "status=running"}, {"ls", "--format", "yaml"}, {"ls", "extra"}} {
		if _, stderr := h.mustRun(1, bad...); stderr == "" {
			t.Errorf("berth %v printed no error", bad)
		}
	}
	h.mustRun(0, "down")
	if stdout, _ := h.mustRun(0, "ls", "-a", "-q"); strings.Contains(stdout, "shop") {
		t.Errorf("ls after down printed %q, want no shop", stdout)
	}
}
