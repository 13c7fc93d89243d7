package docker

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA is a certificate authority made up for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf certificate: for the server when ip is set (valid for
// that address), for a client otherwise. It returns the PEM certificate
// and key.
func (ca testCA) issue(t *testing.T, serial int64, ip net.IP) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "client"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if ip != nil {
		tmpl.Subject.CommonName = "daemon"
		tmpl.IPAddresses = []net.IP{ip}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// certDir writes a DOCKER_CERT_PATH directory.
func certDir(t *testing.T, ca, cert, key []byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range map[string][]byte{"ca.pem": ca, "cert.pem": cert, "key.pem": key} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// daemonHandler answers the two endpoints a list needs, like a 20.10 daemon.
func daemonHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Api-Version", "1.41")
	switch r.URL.Path {
	case "/_ping":
		_, _ = w.Write([]byte("OK"))
	case "/v1.41/containers/json":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"Id":"c1","Names":["/shop-web-1"],"Image":"berth-test","State":"running","Labels":{"com.docker.compose.project":"shop"}}]`))
	default:
		http.Error(w, `{"message":"page not found"}`, http.StatusNotFound)
	}
}

// TestRemoteTLS talks to a daemon stand-in over TCP with mutual TLS, as
// DOCKER_HOST=tcp://… DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=… asks for.
func TestRemoteTLS(t *testing.T) {
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
	// The server logs each refused handshake; the test checks the client side.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := "tcp://" + srv.Listener.Addr().String()

	plain := httptest.NewServer(http.HandlerFunc(daemonHandler))
	t.Cleanup(plain.Close)

	good := certDir(t, ca.pem, clientCert, clientKey)
	wrongCA := certDir(t, other.pem, clientCert, clientKey)
	stranger := certDir(t, ca.pem, strangerCert, strangerKey)

	for _, tc := range []struct {
		name   string
		opts   Options
		reason UnreachableReason
		want   []string // in the error; none means the list must succeed
	}{
		{"verified both ways", Options{Host: host, TLSVerify: true, CertPath: good}, 0, nil},
		{"wrong CA", Options{Host: host, TLSVerify: true, CertPath: wrongCA}, UntrustedDaemon,
			[]string{"could not be verified", wrongCA, "DOCKER_CERT_PATH", "certificate signed by unknown authority"}},
		// Like the docker CLI: a cert path without DOCKER_TLS_VERIFY uses
		// TLS and presents the client certificate, but trusts any daemon.
		{"wrong CA without verification", Options{Host: host, CertPath: wrongCA}, 0, nil},
		{"client certificate from another CA", Options{Host: host, TLSVerify: true, CertPath: stranger}, ClientRejected,
			[]string{"rejected berth's client certificate", stranger, "DOCKER_CERT_PATH"}},
		{"plain HTTP to a TLS daemon", Options{Host: host}, TLSMismatch,
			[]string{"expects TLS", "DOCKER_TLS_VERIFY=1"}},
		{"TLS to a plain daemon", Options{Host: "tcp://" + plain.Listener.Addr().String(), TLSVerify: true, CertPath: good}, TLSMismatch,
			[]string{"does not speak TLS", "unset DOCKER_TLS_VERIFY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = e.Close() })
			e.sleep = func(context.Context, time.Duration) error {
				t.Errorf("%s: a certificate problem was retried, want it reported at once", tc.name)
				return nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := e.Containers(ctx, "shop")
			if tc.want == nil {
				if err != nil || len(got) != 1 || got[0].Name != "shop-web-1" {
					t.Errorf("Containers over TLS (%s) got %+v, %v, want shop-web-1", tc.name, got, err)
				}
				return
			}
			var u *UnreachableError
			if !errors.As(err, &u) || u.Reason != tc.reason || !errors.Is(err, ErrUnreachable) {
				t.Fatalf("Containers over TLS (%s) got %#v, want an UnreachableError with reason %d", tc.name, err, tc.reason)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Containers over TLS (%s) got %q, want it to mention %q", tc.name, err, w)
				}
			}
		})
	}
}
