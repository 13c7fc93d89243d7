package docker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dcontext "github.com/docker/cli/cli/context"
	"github.com/docker/cli/cli/context/store"
	"github.com/google/go-cmp/cmp"
)

// storedContext is a docker context as `docker context create` stores it.
type storedContext struct {
	name string
	ep   *dcontext.EndpointMetaBase // nil: no docker endpoint
	tls  map[string][]byte          // ca.pem, cert.pem, key.pem
}

// writeContexts writes a DOCKER_CONFIG directory with the docker CLI's own
// store package, so that the layout is the CLI's rather than this
// package's idea of it. current, when set, is config.json's currentContext.
func writeContexts(t *testing.T, current string, contexts ...storedContext) string {
	t.Helper()
	dir := t.TempDir()
	s := store.New(filepath.Join(dir, "contexts"), store.NewConfig(nil))
	for _, c := range contexts {
		meta := store.Metadata{Name: c.name, Endpoints: map[string]any{}}
		if c.ep != nil {
			meta.Endpoints[dockerEndpoint] = *c.ep
		} else {
			meta.Endpoints["kubernetes"] = map[string]any{"Host": "https://k8s:6443"}
		}
		if err := s.CreateOrUpdate(meta); err != nil {
			t.Fatal(err)
		}
		if c.tls != nil {
			if err := s.ResetEndpointTLSMaterial(c.name, dockerEndpoint, &store.EndpointTLSData{Files: c.tls}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if current != "" {
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"`+current+`"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestOptionsFromContext(t *testing.T) {
	ca := []byte("-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n")
	cfg := writeContexts(t, "cur",
		storedContext{name: "flagctx", ep: &dcontext.EndpointMetaBase{Host: "tcp://flag:2376"}},
		storedContext{name: "envctx", ep: &dcontext.EndpointMetaBase{Host: "tcp://env:2376"}},
		storedContext{name: "cur", ep: &dcontext.EndpointMetaBase{Host: "tcp://cur:2376"}},
		storedContext{name: "mtls", ep: &dcontext.EndpointMetaBase{Host: "tcp://mtls:2376"},
			tls: map[string][]byte{"ca.pem": ca, "cert.pem": []byte("cert"), "key.pem": []byte("key")}},
		storedContext{name: "caonly", ep: &dcontext.EndpointMetaBase{Host: "tcp://ca:2376"}, tls: map[string][]byte{"ca.pem": ca}},
		storedContext{name: "insecure", ep: &dcontext.EndpointMetaBase{Host: "tcp://insecure:2376", SkipTLSVerify: true}},
		storedContext{name: "nohost", ep: &dcontext.EndpointMetaBase{}},
	)
	noCurrent := writeContexts(t, "", storedContext{name: "envctx", ep: &dcontext.EndpointMetaBase{Host: "tcp://env:2376"}})

	for _, tc := range []struct {
		name string
		flag string
		env  map[string]string
		want Options
	}{
		{"flag beats DOCKER_HOST and DOCKER_CONTEXT", "flagctx",
			map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_HOST": "tcp://host:2375", "DOCKER_CONTEXT": "envctx"},
			Options{Host: "tcp://flag:2376", Context: "flagctx", ConfigDir: cfg}},
		{"DOCKER_HOST beats DOCKER_CONTEXT and currentContext", "",
			map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_HOST": "tcp://host:2375", "DOCKER_CONTEXT": "envctx"},
			Options{Host: "tcp://host:2375", ConfigDir: cfg}},
		{"DOCKER_CONTEXT beats currentContext", "",
			map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": "envctx"},
			Options{Host: "tcp://env:2376", Context: "envctx", ConfigDir: cfg}},
		{"currentContext", "", map[string]string{"DOCKER_CONFIG": cfg},
			Options{Host: "tcp://cur:2376", Context: "cur", ConfigDir: cfg}},
		{"no currentContext is the default context", "", map[string]string{"DOCKER_CONFIG": noCurrent},
			Options{ConfigDir: noCurrent}},
		{"--context default reads DOCKER_HOST", "default",
			map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_HOST": "tcp://host:2375", "DOCKER_CONTEXT": "envctx"},
			Options{Host: "tcp://host:2375", ConfigDir: cfg}},
		{"DOCKER_CONTEXT=default skips currentContext", "",
			map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": "default"},
			Options{ConfigDir: cfg}},
		{"a context ignores DOCKER_TLS_VERIFY and DOCKER_CERT_PATH but not DOCKER_API_VERSION", "envctx",
			map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/certs", "DOCKER_API_VERSION": "1.41"},
			Options{Host: "tcp://env:2376", Context: "envctx", APIVersion: "1.41", ConfigDir: cfg}},
		{"mutual TLS", "mtls", map[string]string{"DOCKER_CONFIG": cfg},
			Options{Host: "tcp://mtls:2376", Context: "mtls", ConfigDir: cfg,
				TLS: &ContextTLS{CA: ca, Cert: []byte("cert"), Key: []byte("key")}}},
		{"CA only", "caonly", map[string]string{"DOCKER_CONFIG": cfg},
			Options{Host: "tcp://ca:2376", Context: "caonly", ConfigDir: cfg, TLS: &ContextTLS{CA: ca}}},
		{"skip TLS verification without files", "insecure", map[string]string{"DOCKER_CONFIG": cfg},
			Options{Host: "tcp://insecure:2376", Context: "insecure", ConfigDir: cfg, TLS: &ContextTLS{SkipVerify: true}}},
		{"no host is the local socket", "nohost", map[string]string{"DOCKER_CONFIG": cfg},
			Options{Context: "nohost", ConfigDir: cfg}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OptionsFromEnv(tc.env, tc.flag)
			if err != nil {
				t.Fatalf("OptionsFromEnv(%v, %q) got error %v", tc.env, tc.flag, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("OptionsFromEnv(%v, %q) (-want +got):\n%s", tc.env, tc.flag, diff)
			}
		})
	}
}

func TestOptionsFromContextErrors(t *testing.T) {
	cfg := writeContexts(t, "gone", storedContext{name: "k8s"})
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "config.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		flag string
		env  map[string]string
		want string // the whole message
	}{
		{"unknown --context", "nope", map[string]string{"DOCKER_CONFIG": cfg},
			`context "nope" does not exist: list them with docker context ls`},
		{"unknown DOCKER_CONTEXT", "", map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": "nope"},
			`DOCKER_CONTEXT: context "nope" does not exist: list them with docker context ls`},
		{"unknown currentContext", "", map[string]string{"DOCKER_CONFIG": cfg},
			`currentContext in ` + filepath.Join(cfg, "config.json") + `: context "gone" does not exist: list them with docker context ls`},
		{"no docker endpoint", "k8s", map[string]string{"DOCKER_CONFIG": cfg},
			`docker context "k8s" has no docker endpoint: give it one with docker context update k8s --docker host=…`},
		{"no config directory", "any", map[string]string{},
			`docker context "any": no docker config directory to read it from: set DOCKER_CONFIG or HOME`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OptionsFromEnv(tc.env, tc.flag)
			if err == nil || err.Error() != tc.want {
				t.Errorf("OptionsFromEnv(%v, %q) got error %v, want %q", tc.env, tc.flag, err, tc.want)
			}
		})
	}
	// A config.json that does not parse matters only when nothing else
	// names the context, as with the docker CLI.
	if _, err := OptionsFromEnv(map[string]string{"DOCKER_CONFIG": broken, "DOCKER_HOST": "tcp://h:2375"}, ""); err != nil {
		t.Errorf("OptionsFromEnv with DOCKER_HOST and a broken config.json got %v, want no error", err)
	}
	_, err := OptionsFromEnv(map[string]string{"DOCKER_CONFIG": broken}, "")
	if err == nil || !strings.Contains(err.Error(), "reading the current docker context") || !strings.Contains(err.Error(), "--context or DOCKER_CONTEXT") {
		t.Errorf("OptionsFromEnv with a broken config.json got %v, want it named with the way around it", err)
	}
}

func TestNewRejectsContextTLS(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  ContextTLS
		want string
	}{
		{"bad CA", ContextTLS{CA: []byte("not PEM")}, `docker context "x": its ca.pem holds no certificate: update it with docker context update x --docker host=…,ca=FILE`},
		{"bad key pair", ContextTLS{Cert: []byte("c"), Key: []byte("k")}, `docker context "x": its cert.pem and key.pem: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), Options{Host: "tcp://h:2376", Context: "x", TLS: &tc.tls})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("New with %s got error %v, want one starting %q", tc.name, err, tc.want)
			}
		})
	}
	// On a socket the docker CLI ignores a context's TLS material, so a
	// CA that would not parse is never read.
	e, err := New(context.Background(), Options{Host: "unix:///nonexistent/docker.sock", Context: "x", TLS: &ContextTLS{CA: []byte("not PEM")}})
	if err != nil {
		t.Fatalf("New on a socket with context TLS got %v, want the TLS material ignored", err)
	}
	_, err = e.Containers(context.Background(), "p")
	want := `cannot connect to the Docker daemon at unix:///nonexistent/docker.sock (docker context "x"): is dockerd running? (--context or DOCKER_HOST picks another)`
	if err == nil || err.Error() != want {
		t.Errorf("Containers through an unreachable context got %v, want %q", err, want)
	}
}

// TestContextTLS talks to a daemon stand-in over mutual TLS with the
// material a docker context stores, as `docker context create NAME
// --docker host=tcp://…,ca=…,cert=…,key=…` writes it.
func TestContextTLS(t *testing.T) {
	ca := newTestCA(t, "berth test CA")
	other := newTestCA(t, "someone else's CA")
	serverCert, serverKey := ca.issue(t, 2, net.IPv4(127, 0, 0, 1))
	clientCert, clientKey := ca.issue(t, 3, nil)
	strangerCert, strangerKey := other.issue(t, 4, nil)

	pair, err := tls.X509KeyPair(serverCert, serverKey)
	if err != nil {
		t.Fatal(err)
	}
	clients := x509.NewCertPool()
	clients.AddCert(ca.cert)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(daemonHandler))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clients, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := "tcp://" + srv.Listener.Addr().String()
	plain := httptest.NewServer(http.HandlerFunc(daemonHandler))
	t.Cleanup(plain.Close)
	plainHost := "tcp://" + plain.Listener.Addr().String()

	files := func(ca, cert, key []byte) map[string][]byte {
		return map[string][]byte{"ca.pem": ca, "cert.pem": cert, "key.pem": key}
	}
	cfg := writeContexts(t, "",
		storedContext{name: "good", ep: &dcontext.EndpointMetaBase{Host: host}, tls: files(ca.pem, clientCert, clientKey)},
		storedContext{name: "wrongca", ep: &dcontext.EndpointMetaBase{Host: host}, tls: files(other.pem, clientCert, clientKey)},
		storedContext{name: "skip", ep: &dcontext.EndpointMetaBase{Host: host, SkipTLSVerify: true}, tls: files(other.pem, clientCert, clientKey)},
		storedContext{name: "stranger", ep: &dcontext.EndpointMetaBase{Host: host}, tls: files(ca.pem, strangerCert, strangerKey)},
		storedContext{name: "notls", ep: &dcontext.EndpointMetaBase{Host: host}},
		storedContext{name: "tlstoplain", ep: &dcontext.EndpointMetaBase{Host: plainHost}, tls: files(ca.pem, clientCert, clientKey)},
	)

	for _, tc := range []struct {
		context string
		reason  UnreachableReason
		want    []string // in the error; none means the list must succeed
	}{
		{"good", 0, nil},
		{"wrongca", UntrustedDaemon, []string{`with the CA of docker context "wrongca"`, "certificate signed by unknown authority", "docker context update wrongca --docker host=" + host}},
		{"skip", 0, nil},
		{"stranger", ClientRejected, []string{`rejected the client certificate of docker context "stranger"`}},
		{"notls", TLSMismatch, []string{"expects TLS", `docker context "notls" has no TLS material`}},
		{"tlstoplain", TLSMismatch, []string{"does not speak TLS", `docker context "tlstoplain" uses TLS`}},
	} {
		t.Run(tc.context, func(t *testing.T) {
			opts, err := OptionsFromEnv(map[string]string{"DOCKER_CONFIG": cfg}, tc.context)
			if err != nil {
				t.Fatal(err)
			}
			e, err := New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = e.Close() })
			e.sleep = func(context.Context, time.Duration) error {
				t.Errorf("context %s: a certificate problem was retried, want it reported at once", tc.context)
				return nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := e.Containers(ctx, "shop")
			if tc.want == nil {
				if err != nil || len(got) != 1 || got[0].Name != "shop-web-1" {
					t.Errorf("Containers through context %s got %+v, %v, want shop-web-1", tc.context, got, err)
				}
				return
			}
			var u *UnreachableError
			if !errors.As(err, &u) || u.Reason != tc.reason || u.Context != tc.context {
				t.Fatalf("Containers through context %s got %#v, want an UnreachableError with reason %d naming the context", tc.context, err, tc.reason)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Containers through context %s got %q, want it to mention %q", tc.context, err, w)
				}
			}
		})
	}
}
