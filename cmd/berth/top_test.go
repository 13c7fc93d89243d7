package main

import (
	"testing"
)

func TestTop(t *testing.T) {
	h := newHarness(t, `
services:
  web:
    image: app:latest
    command: ["serve", "--port", "80"]
  db:
    image: app:latest
    command: ["postgres"]
`)
	withStrangers(h)
	h.mustRun(0, "up", "-d")
	stdout, _ := h.mustRun(0, "top")
	want := "" +
		"SERVICE  #   UID   PID  PPID  C   STIME  TTY  TIME      CMD\n" +
		"db       1   root  1    0     0   00:00  ?    00:00:00  postgres\n" +
		"web      1   root  1    0     0   00:00  ?    00:00:00  serve --port 80\n"
	if stdout != want {
		t.Errorf("top printed\n%s\nwant\n%s", stdout, want)
	}
	stdout, _ = h.mustRun(0, "top", "web")
	if want := "SERVICE  #   UID   PID  PPID  C   STIME  TTY  TIME      CMD\n" +
		"web      1   root  1    0     0   00:00  ?    00:00:00  serve --port 80\n"; stdout != want {
		t.Errorf("top web printed\n%s\nwant\n%s", stdout, want)
	}
	// Stopped containers have no processes: nothing is printed.
	h.mustRun(0, "stop")
	if stdout, _ := h.mustRun(0, "top"); stdout != "" {
		t.Errorf("top of a stopped project printed %q, want nothing", stdout)
	}
	h.mustRun(1, "top", "nope")
}
