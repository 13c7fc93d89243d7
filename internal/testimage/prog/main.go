// Command berth-test is the one program inside berth's test image. It is
// built statically and packed FROM scratch, so it must not need a shell, a
// libc or any file the image does not carry; every behaviour an integration
// test needs is a subcommand:
//
//	sleep                 wait until SIGTERM/SIGINT (the default)
//	serve PORT            HTTP server, see serve.go
//	exit N                exit with status N
//	print OUT [ERR]       write OUT to stdout and ERR to stderr, then exit 0
//	resolve NAME          print NAME's IP addresses, one per line
//	write FILE CONTENT    write CONTENT to FILE, then sleep
//	cat FILE              print FILE
//	health [FILE]         exit 0, or with FILE: exit 0 only if FILE exists
//	get URL               print the body of an HTTP GET
//
// The program runs as PID 1, where the kernel ignores signals that have no
// handler, so every long-running subcommand installs one; otherwise `stop`
// would wait out the whole grace period before SIGKILL.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		args = []string{"sleep"}
	}
	if err := run(args[0], args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "berth-test %s: %v\n", args[0], err)
		os.Exit(1)
	}
}

func run(cmd string, args []string) error {
	switch cmd {
	case "sleep":
		waitForSignal()
		return nil
	case "serve":
		if len(args) != 1 {
			return fmt.Errorf("usage: serve PORT")
		}
		return serve(args[0])
	case "exit":
		if len(args) != 1 {
			return fmt.Errorf("usage: exit N")
		}
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return fmt.Errorf("exit status %q is not a number", args[0])
		}
		os.Exit(n)
	case "print":
		if len(args) < 1 || len(args) > 2 {
			return fmt.Errorf("usage: print OUT [ERR]")
		}
		fmt.Fprintln(os.Stdout, args[0])
		if len(args) == 2 {
			fmt.Fprintln(os.Stderr, args[1])
		}
		return nil
	case "resolve":
		if len(args) != 1 {
			return fmt.Errorf("usage: resolve NAME")
		}
		ips, err := resolve(args[0])
		if err != nil {
			return err
		}
		for _, ip := range ips {
			fmt.Println(ip)
		}
		return nil
	case "write":
		if len(args) != 2 {
			return fmt.Errorf("usage: write FILE CONTENT")
		}
		if err := os.WriteFile(args[0], []byte(args[1]), 0o644); err != nil {
			return err
		}
		waitForSignal()
		return nil
	case "cat":
		if len(args) != 1 {
			return fmt.Errorf("usage: cat FILE")
		}
		b, err := os.ReadFile(args[0])
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(b)
		return err
	case "health":
		return health(args)
	case "get":
		if len(args) != 1 {
			return fmt.Errorf("usage: get URL")
		}
		body, err := get(context.Background(), args[0])
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(body)
		return err
	}
	return fmt.Errorf("unknown subcommand (want sleep, serve, exit, print, resolve, write, cat, health or get)")
}

// health without an argument always passes, so a healthcheck can be declared
// without setup. With a FILE it passes only while FILE exists, which lets a
// test flip the container between healthy and unhealthy (see serve's
// /health/ok and /health/fail, or the write subcommand).
func health(args []string) error {
	switch len(args) {
	case 0:
		fmt.Println("ok")
		return nil
	case 1:
		if _, err := os.Stat(args[0]); err != nil {
			return fmt.Errorf("unhealthy: %w", err)
		}
		fmt.Println("ok")
		return nil
	}
	return fmt.Errorf("usage: health [FILE]")
}

func waitForSignal() {
	ch := make(chan os.Signal, 1) // signal.Notify needs room for one pending signal
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	<-ch
}

func resolve(name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupHost(ctx, name)
}

func get(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}
