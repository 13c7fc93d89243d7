package docker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/docker/cli/cli/config"
	dcontext "github.com/docker/cli/cli/context"
	"github.com/docker/cli/cli/context/store"
	"github.com/docker/go-connections/tlsconfig"
)

// DefaultContext is the docker context that stands for DOCKER_HOST (or
// the local socket) rather than an entry of the context store.
const DefaultContext = "default"

// dockerEndpoint is the endpoint of a stored context that says how to
// reach the Engine API; contexts made for other tools may lack it.
const dockerEndpoint = "docker"

// ContextTLS is the TLS setup stored with a docker context's endpoint.
// Any of the PEM blocks may be missing, as with the docker CLI: no CA
// means the system's roots, no certificate means none is presented.
type ContextTLS struct {
	CA, Cert, Key []byte
	SkipVerify    bool
}

// contextName picks the docker context as the docker CLI does
// (cli/command.resolveContextName): --context, then DOCKER_HOST (which
// means the default context), then DOCKER_CONTEXT, then config.json's
// currentContext. from says where the name came from, for messages; it is
// empty for the flag.
func contextName(environ map[string]string, flag, cfgDir string) (name, from string, err error) {
	switch {
	case flag != "":
		return flag, "", nil
	case environ["DOCKER_HOST"] != "":
		return DefaultContext, "", nil
	case environ["DOCKER_CONTEXT"] != "":
		return environ["DOCKER_CONTEXT"], "DOCKER_CONTEXT", nil
	case cfgDir == "":
		return DefaultContext, "", nil
	}
	cf, err := config.Load(cfgDir)
	if err != nil {
		return "", "", fmt.Errorf("reading the current docker context: %w: fix the file, or name a context with --context or DOCKER_CONTEXT", err)
	}
	if cf.CurrentContext == "" {
		return DefaultContext, "", nil
	}
	return cf.CurrentContext, "currentContext in " + filepath.Join(cfgDir, config.ConfigFileName), nil
}

// fromContext fills o's host and TLS from the docker endpoint of the
// stored context name, read with the docker CLI's own store package (it
// adds two small modules and no transport code to the binary).
func (o *Options) fromContext(name, from string) error {
	if o.ConfigDir == "" {
		return fmt.Errorf("docker context %q: no docker config directory to read it from: set DOCKER_CONFIG or HOME", name)
	}
	s := store.New(filepath.Join(o.ConfigDir, "contexts"),
		store.NewConfig(nil, store.EndpointTypeGetter(dockerEndpoint, func() any { return &dcontext.EndpointMetaBase{} })))
	meta, err := s.GetMetadata(name)
	if errors.Is(err, fs.ErrNotExist) {
		err = fmt.Errorf("context %q does not exist: list them with docker context ls", name)
		if from != "" {
			err = fmt.Errorf("%s: %w", from, err)
		}
		return err
	}
	if err != nil {
		return fmt.Errorf("docker context %q: %w: check it with docker context inspect %s", name, err, name)
	}
	ep, ok := meta.Endpoints[dockerEndpoint].(dcontext.EndpointMetaBase)
	if !ok {
		return fmt.Errorf("docker context %q has no docker endpoint: give it one with docker context update %s --docker host=…", name, name)
	}
	data, err := dcontext.LoadTLSData(s, name, dockerEndpoint)
	if err != nil {
		return fmt.Errorf("docker context %q: %w", name, err)
	}
	o.Context = name
	o.Host = ep.Host
	if data != nil || ep.SkipTLSVerify {
		o.TLS = &ContextTLS{SkipVerify: ep.SkipTLSVerify}
		if data != nil {
			o.TLS.CA, o.TLS.Cert, o.TLS.Key = data.CA, data.Cert, data.Key
		}
	}
	return nil
}

// contextTLSConfig builds the client TLS configuration the docker CLI
// builds for a context (cli/context/docker.Endpoint.tlsConfig): the
// context's CA alone is trusted, rather than added to the system's.
func contextTLSConfig(name string, t *ContextTLS) (*tls.Config, error) {
	cfg := tlsconfig.ClientDefault()
	cfg.InsecureSkipVerify = t.SkipVerify
	if t.CA != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(t.CA) {
			return nil, fmt.Errorf("its ca.pem holds no certificate: update it with docker context update %s --docker host=…,ca=FILE", name)
		}
		cfg.RootCAs = pool
	}
	if t.Cert != nil && t.Key != nil {
		pair, err := tls.X509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("its cert.pem and key.pem: %w: update them with docker context update %s --docker host=…,cert=FILE,key=FILE", err, name)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
