package resolver

import (
	"fmt"
	"net"
	"runtime"

	"golang.org/x/sys/unix"
)

// ListenInNetns opens the UDP socket and the TCP listener of addr (such as
// "127.0.0.11:53") inside the network namespace bind-mounted at nsPath,
// bringing its loopback interface up first: 127.0.0.0/8 on lo is what makes
// 127.0.0.11 a local address there. A socket belongs to the namespace it was
// created in for good, so the caller may serve them from any goroutine while
// staying in its own namespace (the host's, where the upstreams answer).
func ListenInNetns(nsPath, addr string) (net.PacketConn, net.Listener, error) {
	type result struct {
		pc  net.PacketConn
		ln  net.Listener
		err error
	}
	done := make(chan result, 1)
	// A goroutine of its own, so that if the thread cannot be switched back
	// it stays locked and Go discards it when the goroutine ends, instead of
	// leaving it in the container's namespace for some other goroutine.
	go func() {
		runtime.LockOSThread()
		var r result
		restored := true
		r.pc, r.ln, r.err = listenIn(nsPath, addr, &restored)
		if restored {
			runtime.UnlockOSThread()
		}
		done <- r
	}()
	r := <-done
	return r.pc, r.ln, r.err
}

// listenIn does ListenInNetns's work on a locked thread; it sets *restored
// to false when the thread could not get back to its own namespace.
func listenIn(nsPath, addr string, restored *bool) (pc net.PacketConn, ln net.Listener, err error) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("resolver: reading the current network namespace: %w", err)
	}
	defer unix.Close(orig)
	target, err := unix.Open(nsPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("resolver: opening network namespace %s (was the container's netns removed?): %w", nsPath, err)
	}
	defer unix.Close(target)

	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return nil, nil, fmt.Errorf("resolver: entering network namespace %s: %w", nsPath, err)
	}
	defer func() {
		if serr := unix.Setns(orig, unix.CLONE_NEWNET); serr != nil {
			*restored = false
			if pc != nil {
				pc.Close()
				ln.Close()
			}
			pc, ln = nil, nil
			err = fmt.Errorf("resolver: returning from network namespace %s: %w", nsPath, serr)
		}
	}()

	if err := loopbackUp(); err != nil {
		return nil, nil, fmt.Errorf("resolver: in network namespace %s: %w", nsPath, err)
	}
	pc, err = net.ListenPacket("udp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("resolver: listening on udp %s in network namespace %s: %w", addr, nsPath, err)
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		pc.Close()
		return nil, nil, fmt.Errorf("resolver: listening on tcp %s in network namespace %s: %w", addr, nsPath, err)
	}
	return pc, ln, nil
}

// loopbackUp brings lo up in the current thread's namespace, with the
// SIOCSIFFLAGS ioctl of ifconfig: a socket belongs to the namespace of the
// thread that opened it, and one ioctl costs far less code than netlink.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening a socket for the loopback interface: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("naming the loopback interface: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("reading the loopback interface's flags: %w", err)
	}
	flags := ifr.Uint16()
	if flags&unix.IFF_UP != 0 {
		return nil
	}
	ifr.SetUint16(flags | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bringing the loopback interface up: %w", err)
	}
	return nil
}
