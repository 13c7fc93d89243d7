package docker

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/docker/go-connections/tlsconfig"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
)

// DefaultHost is the daemon address used when Options.Host is empty.
const DefaultHost = "unix:///var/run/docker.sock"

var _ engine.Engine = (*Engine)(nil)

// Options say how to reach the daemon. The zero value talks to the local
// socket and negotiates the API version.
type Options struct {
	Host       string // unix:///path or tcp://host:port; empty means DefaultHost
	APIVersion string // e.g. "1.41"; empty negotiates with the daemon
	CertPath   string // directory holding ca.pem, cert.pem and key.pem
	TLSVerify  bool   // verify the daemon's certificate against ca.pem
	// Context is the docker context Host and TLS were read from; empty
	// for the default context (DOCKER_HOST). Messages name it.
	Context string
	// TLS is the TLS setup stored with Context; nil when it has none. A
	// context ignores CertPath and TLSVerify, as the docker CLI does.
	TLS *ContextTLS
	// ConfigDir holds the docker CLI's config.json, whose registry
	// credentials pulls and pushes use; empty means none.
	ConfigDir string
}

// OptionsFromEnv resolves the daemon the way the docker CLI does. The
// docker context is contextFlag (--context) if set, else the default
// context if DOCKER_HOST is set, else DOCKER_CONTEXT, else config.json's
// currentContext. A stored context gives the host and TLS material; the
// default context reads DOCKER_HOST, DOCKER_CERT_PATH and
// DOCKER_TLS_VERIFY. DOCKER_API_VERSION and DOCKER_CONFIG count either
// way. The environment is passed in so that callers and tests control it.
func OptionsFromEnv(environ map[string]string, contextFlag string) (Options, error) {
	o := Options{APIVersion: environ["DOCKER_API_VERSION"], ConfigDir: configDir(environ)}
	name, from, err := contextName(environ, contextFlag, o.ConfigDir)
	if err != nil {
		return Options{}, err
	}
	if name != DefaultContext {
		if err := o.fromContext(name, from); err != nil {
			return Options{}, err
		}
		return o, nil
	}
	o.Host = environ["DOCKER_HOST"]
	o.CertPath = environ["DOCKER_CERT_PATH"]
	// Like the docker CLI, any non-empty value turns verification on,
	// including "0".
	o.TLSVerify = environ["DOCKER_TLS_VERIFY"] != ""
	if o.TLSVerify && o.CertPath == "" && environ["HOME"] != "" {
		o.CertPath = filepath.Join(environ["HOME"], ".docker")
	}
	return o, nil
}

// Engine talks to one Docker daemon. It is safe for concurrent use.
type Engine struct {
	cli      *client.Client
	host     string
	certPath string // for error messages about certificates
	context  string // the docker context host came from, for messages
	// configDir is where config.json with registry credentials lives.
	configDir string
	// sleep waits between retries; tests replace it to run without delay.
	sleep func(ctx context.Context, d time.Duration) error
	// grace is finishGrace; tests shorten it.
	grace time.Duration

	mu      sync.Mutex
	version string // negotiated API version, once known
}

// New returns an Engine for opts. It does not contact the daemon: the API
// version is negotiated on the first call that needs the daemon, so commands
// that fail early pay nothing.
func New(ctx context.Context, opts Options) (*Engine, error) {
	return newEngine(opts, nil)
}

// newEngine is New with the HTTP transport replaceable, so that tests can
// play the daemon's part without a socket.
func newEngine(opts Options, transport http.RoundTripper) (*Engine, error) {
	cli, host, err := newAPIClient(opts, transport)
	if err != nil {
		return nil, err
	}
	e := &Engine{cli: cli, host: host, certPath: opts.CertPath, context: opts.Context, configDir: opts.ConfigDir, sleep: sleepCtx, grace: finishGrace}
	if opts.APIVersion != "" {
		e.version = cli.ClientVersion()
	}
	return e, nil
}

// NewAPIClient returns a moby API client for opts, with the same host,
// TLS and version handling as New, for packages that speak parts of the
// API this one does not (engine/swarm). It also returns the host it
// talks to, for messages.
func NewAPIClient(opts Options) (*client.Client, string, error) {
	return newAPIClient(opts, nil)
}

func newAPIClient(opts Options, transport http.RoundTripper) (*client.Client, string, error) {
	cli, host, err := newAPIClientFor(opts, transport)
	if err != nil && opts.Context != "" {
		err = fmt.Errorf("docker context %q: %w", opts.Context, err)
	}
	return cli, host, err
}

func newAPIClientFor(opts Options, transport http.RoundTripper) (*client.Client, string, error) {
	host := opts.Host
	if host == "" {
		host = DefaultHost
	}
	scheme, _, ok := strings.Cut(host, "://")
	if !ok {
		return nil, "", fmt.Errorf("docker host %q: want unix:///path/to/docker.sock or tcp://host:port", host)
	}
	switch scheme {
	case "unix", "tcp":
	case "ssh":
		return nil, "", fmt.Errorf("docker host %q: ssh:// is not supported yet; use unix:// or tcp:// with TLS, "+
			"or forward the remote socket (ssh -nNT -L /tmp/berth-docker.sock:/var/run/docker.sock %s) and set DOCKER_HOST=unix:///tmp/berth-docker.sock",
			host, strings.TrimPrefix(host, "ssh://"))
	default:
		return nil, "", fmt.Errorf("docker host %q: scheme %s:// is not supported; use unix:// or tcp://", host, scheme)
	}

	clientOpts := []client.Opt{client.WithUserAgent("berth"), client.WithHTTPResponseHook(recordStatus)}
	switch {
	case transport != nil:
		// WithHost first: it only accepts the client's own transport types,
		// and its dialer setup means nothing to a stub.
		clientOpts = append(clientOpts, client.WithHost(host),
			client.WithHTTPClient(&http.Client{Transport: transport, CheckRedirect: client.CheckRedirect}))
	// A context's TLS material counts on tcp:// only: the docker CLI keeps
	// it when the host is a socket and ignores it there.
	case opts.TLS != nil && scheme == "tcp":
		cfg, err := contextTLSConfig(opts.Context, opts.TLS)
		if err != nil {
			return nil, "", err
		}
		clientOpts = append(clientOpts, withTLS(cfg))
	case opts.Context == "" && (opts.CertPath != "" || opts.TLSVerify):
		if scheme != "tcp" {
			return nil, "", fmt.Errorf("docker host %q: TLS needs a tcp:// host", host)
		}
		cfg, err := tlsConfig(opts)
		if err != nil {
			return nil, "", err
		}
		clientOpts = append(clientOpts, withTLS(cfg))
	}
	if transport == nil {
		// WithHost after WithHTTPClient: it configures the dialer on
		// whatever transport is in place.
		clientOpts = append(clientOpts, client.WithHost(host))
	}
	if opts.APIVersion != "" {
		clientOpts = append(clientOpts, client.WithAPIVersion(opts.APIVersion))
	}
	cli, err := client.New(clientOpts...)
	if err != nil {
		return nil, "", fmt.Errorf("docker host %q: %w", host, err)
	}
	return cli, host, nil
}

func withTLS(cfg *tls.Config) client.Opt {
	transport := &http.Transport{TLSClientConfig: cfg}
	return client.WithHTTPClient(&http.Client{Transport: transport, CheckRedirect: client.CheckRedirect})
}

func tlsConfig(opts Options) (*tls.Config, error) {
	if opts.CertPath == "" {
		return nil, fmt.Errorf("DOCKER_TLS_VERIFY is set but no certificate directory is known: set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem")
	}
	cfg, err := tlsconfig.Client(tlsconfig.Options{
		CAFile:             filepath.Join(opts.CertPath, "ca.pem"),
		CertFile:           filepath.Join(opts.CertPath, "cert.pem"),
		KeyFile:            filepath.Join(opts.CertPath, "key.pem"),
		InsecureSkipVerify: !opts.TLSVerify,
		MinVersion:         tls.VersionTLS12,
	})
	if err != nil {
		return nil, fmt.Errorf("TLS certificates in %s (DOCKER_CERT_PATH): %w", opts.CertPath, err)
	}
	return cfg, nil
}

// Close releases idle connections.
func (e *Engine) Close() error { return e.cli.Close() }

// Host returns the daemon address this engine talks to.
func (e *Engine) Host() string { return e.host }

// APIVersion negotiates the API version with the daemon on first use and
// returns it; later calls cost nothing. Every call goes through here first,
// so that a daemon that cannot be reached, or speaks an API too old, is
// reported once and plainly instead of as the failure of some request.
func (e *Engine) APIVersion(ctx context.Context) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.version != "" {
		return e.version, nil
	}
	var ping client.PingResult
	err := e.retry(ctx, idempotent, func(ctx context.Context) error {
		var err error
		ping, err = e.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
		return err
	})
	if err != nil {
		if ping.APIVersion != "" && versions.LessThan(ping.APIVersion, client.MinAPIVersion) {
			return "", daemonTooOld(e.host, ping.APIVersion, err)
		}
		return "", e.wrap("connect", err)
	}
	e.version = e.cli.ClientVersion()
	return e.version, nil
}
