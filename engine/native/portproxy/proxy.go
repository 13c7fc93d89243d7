// Package portproxy publishes a container's ports from user space, as
// docker-proxy does: it listens on the host and forwards each TCP
// connection and UDP flow to the container's address. A container's
// monitor runs it, so it uses nothing beyond the standard library's net.
package portproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// PortMap is one published port: HostIP:HostPort on the host forwards to
// Target in a container.
type PortMap struct {
	HostIP   netip.Addr // invalid: every address of the host
	HostPort uint16     // 0: a free port the kernel picks (see Proxy.Addr)
	Proto    string     // tcp or udp
	Target   netip.AddrPort
}

// String is the port as error messages name it: "8080/tcp" or
// "127.0.0.1:8080/tcp".
func (p PortMap) String() string {
	port := strconv.Itoa(int(p.HostPort)) + "/" + p.Proto
	if p.HostIP.IsValid() {
		return net.JoinHostPort(p.HostIP.String(), port)
	}
	return port
}

// hostAddr is the address to listen on; an empty host makes Go listen on
// every IPv4 and IPv6 address at once.
func (p PortMap) hostAddr() string {
	host := ""
	if p.HostIP.IsValid() {
		host = p.HostIP.String()
	}
	return net.JoinHostPort(host, strconv.Itoa(int(p.HostPort)))
}

// udpIdle is how long a UDP flow lives without a datagram either way, as
// docker-proxy's conntrack timeout.
const udpIdle = 90 * time.Second

// udpMax is the largest UDP payload over IPv4.
const udpMax = 65507

// CheckPort binds the host side of p and releases it at once: it fails,
// naming the port, when Publish would.
func CheckPort(p PortMap) error {
	var c io.Closer
	var err error
	switch p.Proto {
	case "tcp":
		c, err = net.Listen("tcp", p.hostAddr())
	case "udp":
		c, err = net.ListenPacket("udp", p.hostAddr())
	default:
		return fmt.Errorf("host port %s: protocol %q: want tcp or udp", p, p.Proto)
	}
	if err != nil {
		return bindError(p, err)
	}
	return c.Close()
}

func bindError(p PortMap, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("host port %s is already in use: stop what listens there or publish another port: %w", p, err)
	}
	return fmt.Errorf("host port %s cannot be bound: %w", p, err)
}

// Proxy forwards one published port until it is closed or the context given
// to Publish ends.
type Proxy struct {
	addr   net.Addr
	cancel context.CancelFunc
	wg     sync.WaitGroup
	udp    *udpProxy // nil for TCP
}

// Addr is the address the proxy listens on, with the port the kernel picked
// when PortMap.HostPort was 0.
func (p *Proxy) Addr() net.Addr { return p.addr }

// Close stops listening, ends every forwarded connection and flow, and
// returns once they are all gone.
func (p *Proxy) Close() error {
	p.cancel()
	p.wg.Wait()
	return nil
}

// Publish listens on the host side of p and forwards to p.Target from the
// calling process, as docker-proxy does: TCP connections are spliced both
// ways with half-close; UDP datagrams are relayed per client address, each
// flow ending after udpIdle without traffic. The returned closer is a
// *Proxy.
func Publish(ctx context.Context, p PortMap) (io.Closer, error) {
	return publish(ctx, p, udpIdle)
}

// publish is Publish with the UDP idle timeout as a parameter, for tests.
func publish(ctx context.Context, p PortMap, idle time.Duration) (*Proxy, error) {
	if !p.Target.IsValid() {
		return nil, fmt.Errorf("host port %s: no target address", p)
	}
	ctx, cancel := context.WithCancel(ctx)
	pr := &Proxy{cancel: cancel}
	switch p.Proto {
	case "tcp":
		ln, err := net.Listen("tcp", p.hostAddr())
		if err != nil {
			cancel()
			return nil, bindError(p, err)
		}
		pr.addr = ln.Addr()
		context.AfterFunc(ctx, func() { ln.Close() })
		pr.wg.Go(func() { pr.serveTCP(ctx, ln, p.Target) })
	case "udp":
		laddr := &net.UDPAddr{Port: int(p.HostPort)}
		if p.HostIP.IsValid() {
			laddr.IP = p.HostIP.AsSlice()
		}
		pc, err := net.ListenUDP("udp", laddr)
		if err != nil {
			cancel()
			return nil, bindError(p, err)
		}
		pr.addr = pc.LocalAddr()
		context.AfterFunc(ctx, func() { pc.Close() })
		pr.udp = &udpProxy{pc: pc, target: p.Target, idle: idle, flows: map[netip.AddrPort]*udpFlow{}}
		pr.wg.Go(func() { pr.udp.serve(&pr.wg) })
	default:
		cancel()
		return nil, fmt.Errorf("host port %s: protocol %q: want tcp or udp", p, p.Proto)
	}
	return pr, nil
}

// serveTCP accepts until ln is closed.
func (p *Proxy) serveTCP(ctx context.Context, ln net.Listener, target netip.AddrPort) {
	backoff := 5 * time.Millisecond
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait for some to be
			// released rather than spin.
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		p.wg.Go(func() { pipeTCP(ctx, c.(*net.TCPConn), target) })
	}
}

// pipeTCP connects client to target and copies both ways; each direction's
// end is passed on as a half-close, so that protocols that shut down one
// side keep working.
func pipeTCP(ctx context.Context, client *net.TCPConn, target netip.AddrPort) {
	defer client.Close()
	d := net.Dialer{Timeout: 30 * time.Second}
	bc, err := d.DialContext(ctx, "tcp", target.String())
	if err != nil {
		return
	}
	backend := bc.(*net.TCPConn)
	defer backend.Close()
	stop := context.AfterFunc(ctx, func() {
		client.Close()
		backend.Close()
	})
	defer stop()
	done := make(chan struct{})
	go func() {
		copyHalf(backend, client)
		close(done)
	}()
	copyHalf(client, backend)
	<-done
}

// copyHalf copies src to dst (with splice(2): both are TCP sockets) and then
// passes the end of src on to dst.
func copyHalf(dst, src *net.TCPConn) {
	io.Copy(dst, src)
	dst.CloseWrite()
	src.CloseRead()
}

// udpProxy relays datagrams between clients and one target, each client
// address with a socket of its own towards the target, so that replies can
// be told apart.
type udpProxy struct {
	pc     *net.UDPConn
	target netip.AddrPort
	idle   time.Duration

	mu    sync.Mutex
	flows map[netip.AddrPort]*udpFlow
}

type udpFlow struct {
	conn *net.UDPConn
	mu   sync.Mutex
	last time.Time // last datagram either way
}

// end removes flow f of client unless it saw traffic within u.idle, and
// reports whether it did.
func (u *udpProxy) end(client netip.AddrPort, f *udpFlow) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if time.Now().Before(f.deadline(u.idle)) {
		return false
	}
	if u.flows[client] == f {
		delete(u.flows, client)
	}
	return true
}

func (f *udpFlow) touch() {
	f.mu.Lock()
	f.last = time.Now()
	f.mu.Unlock()
}

func (f *udpFlow) deadline(idle time.Duration) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last.Add(idle)
}

// serve reads from clients until the listening socket is closed, then ends
// every flow. Reply loops run in wg.
func (u *udpProxy) serve(wg *sync.WaitGroup) {
	buf := make([]byte, udpMax)
	for {
		n, from, err := u.pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				break
			}
			continue
		}
		f, err := u.flow(wg, from)
		if err != nil {
			continue // the target is unreachable: drop, as the network would
		}
		f.conn.Write(buf[:n])
	}
	u.mu.Lock()
	for _, f := range u.flows {
		f.conn.Close()
	}
	u.mu.Unlock()
}

// flow returns client's flow, starting it if needed.
func (u *udpProxy) flow(wg *sync.WaitGroup, client netip.AddrPort) (*udpFlow, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if f, ok := u.flows[client]; ok {
		// Touched under u.mu, so that replies cannot end the flow
		// between here and the write.
		f.touch()
		return f, nil
	}
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(u.target))
	if err != nil {
		return nil, err
	}
	f := &udpFlow{conn: conn, last: time.Now()}
	u.flows[client] = f
	wg.Go(func() { u.replies(client, f) })
	return f, nil
}

// replies relays the target's datagrams back to client until the flow has
// been idle for u.idle or is closed.
func (u *udpProxy) replies(client netip.AddrPort, f *udpFlow) {
	defer func() {
		u.mu.Lock()
		if u.flows[client] == f {
			delete(u.flows, client)
		}
		u.mu.Unlock()
		f.conn.Close()
	}()
	buf := make([]byte, udpMax)
	for {
		f.conn.SetReadDeadline(f.deadline(u.idle))
		n, err := f.conn.Read(buf)
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) {
				continue // an ICMP error for one datagram; the flow goes on
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !u.end(client, f) {
				continue // the client spoke meanwhile
			}
			return
		}
		f.touch()
		if _, err := u.pc.WriteToUDPAddrPort(buf[:n], client); errors.Is(err, net.ErrClosed) {
			return
		}
	}
}
