package docker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"

	"github.com/moby/moby/client"
)

// ErrUnreachable is matched (errors.Is) by every failure to talk to the
// daemon at all, as opposed to the daemon answering with an error.
var ErrUnreachable = errors.New("docker daemon unreachable")

// UnreachableReason says why the daemon could not be reached.
type UnreachableReason int

const (
	// NotRunning: nothing answers at the address (or it cannot be resolved).
	NotRunning UnreachableReason = iota
	// PermissionDenied: the socket exists but this user may not open it.
	PermissionDenied
	// UntrustedDaemon: the daemon's TLS certificate is not signed by ca.pem.
	UntrustedDaemon
	// ClientRejected: the daemon refused berth's TLS client certificate.
	ClientRejected
	// TLSMismatch: one side speaks TLS and the other does not.
	TLSMismatch
	// ConnectionLost: the connection broke after the request was sent.
	ConnectionLost
)

// UnreachableError is a failure to reach the daemon at Host. It matches
// ErrUnreachable, and its cause (the dial or TLS error) stays reachable
// with errors.Is and errors.As.
type UnreachableError struct {
	Host     string
	CertPath string // DOCKER_CERT_PATH, for TLS reasons
	// Context is the docker context Host came from; empty for
	// DOCKER_HOST. Its TLS material, not CertPath's, was used.
	Context string
	Reason  UnreachableReason
	Op      string // the call that was under way, for ConnectionLost
	Err     error
}

func (e *UnreachableError) Error() string {
	if e.Context != "" && e.Reason != PermissionDenied && e.Reason != ConnectionLost {
		return e.contextError()
	}
	switch e.Reason {
	case PermissionDenied:
		return fmt.Sprintf("permission denied on the Docker socket at %s: add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run berth with sudo", e.Host)
	case UntrustedDaemon:
		return fmt.Sprintf("the certificate of the Docker daemon at %s could not be verified with ca.pem in %s (DOCKER_CERT_PATH): %s: point DOCKER_CERT_PATH at the certificates issued for this daemon",
			e.Host, e.CertPath, certCause(e.Err))
	case ClientRejected:
		return fmt.Sprintf("the Docker daemon at %s rejected berth's client certificate (cert.pem in %s, DOCKER_CERT_PATH): use a certificate signed by a CA the daemon trusts (--tlscacert)",
			e.Host, e.CertPath)
	case TLSMismatch:
		if plainToTLS(e.Err.Error()) {
			return fmt.Sprintf("the Docker daemon at %s expects TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem", e.Host)
		}
		return fmt.Sprintf("the Docker daemon at %s does not speak TLS: unset DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or check DOCKER_HOST's port", e.Host)
	case ConnectionLost:
		return fmt.Sprintf("%s: the connection to the Docker daemon at %s broke off (%s): check that the daemon is healthy (docker info) and run the command again",
			e.Op, e.Host, lastCause(e.Err))
	}
	msg := fmt.Sprintf("cannot connect to the Docker daemon at %s: is dockerd running? (set DOCKER_HOST to use another)", e.Host)
	// "refused" and "no such file" are what the question already asks;
	// anything else (a timeout, an unknown host) is worth seeing.
	if !errors.Is(e.Err, syscall.ECONNREFUSED) && !errors.Is(e.Err, fs.ErrNotExist) {
		msg += " (" + lastCause(e.Err) + ")"
	}
	return msg
}

// contextError is Error for a daemon named by a docker context: the fix
// is to the context, not to DOCKER_* variables.
func (e *UnreachableError) contextError() string {
	update := fmt.Sprintf("docker context update %s --docker host=%s,ca=FILE,cert=FILE,key=FILE", e.Context, e.Host)
	switch e.Reason {
	case UntrustedDaemon:
		return fmt.Sprintf("the certificate of the Docker daemon at %s could not be verified with the CA of docker context %q: %s: give the context the CA that issued it (%s)",
			e.Host, e.Context, certCause(e.Err), update)
	case ClientRejected:
		return fmt.Sprintf("the Docker daemon at %s rejected the client certificate of docker context %q: give the context one signed by a CA the daemon trusts (%s)",
			e.Host, e.Context, update)
	case TLSMismatch:
		if plainToTLS(e.Err.Error()) {
			return fmt.Sprintf("the Docker daemon at %s expects TLS, and docker context %q has no TLS material: add it (%s)", e.Host, e.Context, update)
		}
		return fmt.Sprintf("the Docker daemon at %s does not speak TLS, and docker context %q uses TLS: check the context's port, or update it without ca, cert and key", e.Host, e.Context)
	}
	msg := fmt.Sprintf("cannot connect to the Docker daemon at %s (docker context %q): is dockerd running? (--context or DOCKER_HOST picks another)", e.Host, e.Context)
	if !errors.Is(e.Err, syscall.ECONNREFUSED) && !errors.Is(e.Err, fs.ErrNotExist) {
		msg += " (" + lastCause(e.Err) + ")"
	}
	return msg
}

func (e *UnreachableError) Unwrap() []error { return []error{ErrUnreachable, e.Err} }

// unreachable classifies a connection failure reported by the client.
func unreachable(op, host, certPath string, err error) *UnreachableError {
	u := &UnreachableError{Host: host, CertPath: certPath, Op: op, Err: err}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var te *transportError
	msg := err.Error()
	switch {
	case errors.Is(err, os.ErrPermission) || strings.Contains(msg, "permission denied while trying to connect"):
		u.Reason = PermissionDenied
	case errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalid):
		u.Reason = UntrustedDaemon
	// With TLS 1.3 the client learns that its certificate was refused only
	// from the daemon's alert on the first read, which the client library
	// sometimes rewrites.
	case strings.Contains(msg, "remote error: tls:") || strings.Contains(msg, "client authentication (--tlsverify)"):
		u.Reason = ClientRejected
	case errors.As(err, &recordErr) || plainToTLS(msg) || strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		u.Reason = TLSMismatch
	case errors.As(err, &te) && te.connected:
		u.Reason = ConnectionLost
	}
	return u
}

// plainToTLS recognises plain HTTP sent to a TLS port: a Go daemon answers
// 400 "Client sent an HTTP request to an HTTPS server", other servers send
// TLS bytes the client cannot parse.
func plainToTLS(msg string) bool {
	return strings.Contains(msg, "HTTP request to an HTTPS server") || strings.Contains(msg, "TLS-enabled daemon without TLS")
}

// certCause is the x509 part of a verification error, without the
// request URL the transport puts in front.
func certCause(err error) string {
	var unknownCA x509.UnknownAuthorityError
	if errors.As(err, &unknownCA) {
		return unknownCA.Error()
	}
	var hostErr x509.HostnameError
	if errors.As(err, &hostErr) {
		return hostErr.Error()
	}
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) {
		return invalid.Error()
	}
	return lastCause(err)
}

// lastCause is the innermost useful text of a transport error: the dial or
// read failure without the request URL and the client's own guesses.
func lastCause(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.Error()
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// APIVersionProblem says which side's API version is out of range.
type APIVersionProblem int

const (
	// DaemonTooOld: the daemon's newest API is older than the oldest this client speaks.
	DaemonTooOld APIVersionProblem = iota
	// ClientTooOld: the pinned version (DOCKER_API_VERSION) is older than the daemon's oldest.
	ClientTooOld
	// ClientTooNew: the pinned version is newer than the daemon's newest.
	ClientTooNew
)

// APIVersionError is an API version berth and the daemon cannot agree on.
type APIVersionError struct {
	Host    string
	Problem APIVersionProblem
	// Client is the version berth asked for, or for DaemonTooOld the
	// oldest it supports.
	Client string
	// Daemon is the daemon's newest version, or for ClientTooOld its oldest.
	Daemon string
	Err    error
}

func (e *APIVersionError) Error() string {
	switch e.Problem {
	case ClientTooOld:
		return fmt.Sprintf("berth is set to Docker API %s (DOCKER_API_VERSION), but the daemon at %s needs %s or newer: unset DOCKER_API_VERSION or set it to at least %s",
			e.Client, e.Host, e.Daemon, e.Daemon)
	case ClientTooNew:
		return fmt.Sprintf("berth is set to Docker API %s (DOCKER_API_VERSION), but the daemon at %s supports at most %s: unset DOCKER_API_VERSION or set it to %s or lower",
			e.Client, e.Host, e.Daemon, e.Daemon)
	}
	return fmt.Sprintf("the Docker daemon at %s speaks API %s, older than %s, the oldest berth supports: upgrade Docker Engine to 19.03 or newer",
		e.Host, e.Daemon, e.Client)
}

func (e *APIVersionError) Unwrap() error { return e.Err }

// daemonTooOld is the error for a daemon whose ping reports version.
func daemonTooOld(host, version string, err error) *APIVersionError {
	return &APIVersionError{Host: host, Problem: DaemonTooOld, Client: client.MinAPIVersion, Daemon: version, Err: err}
}

// The daemon's own words when a pinned version is out of its range, e.g.
// "client version 1.56 is too new. Maximum supported API version is 1.41".
var apiVersionMessage = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`client version (\S+) is too (old|new)\. (?:Minimum|Maximum) supported API version is ([0-9.]+)`)
})

// parseAPIVersionError recognises the daemon's answer to an out-of-range
// pinned API version.
func parseAPIVersionError(host string, err error) (*APIVersionError, bool) {
	m := apiVersionMessage().FindStringSubmatch(err.Error())
	if m == nil {
		return nil, false
	}
	p := ClientTooNew
	if m[2] == "old" {
		p = ClientTooOld
	}
	return &APIVersionError{Host: host, Problem: p, Client: m[1], Daemon: m[3], Err: err}, true
}
