package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/moby/api/types/registry"
)

// configDir is where the docker CLI keeps config.json: $DOCKER_CONFIG, or
// $HOME/.docker. It is read from berth's environment map, never the
// process's, so that tests control it.
func configDir(environ map[string]string) string {
	if d := environ["DOCKER_CONFIG"]; d != "" {
		return d
	}
	if h := environ["HOME"]; h != "" {
		return filepath.Join(h, ".docker")
	}
	return ""
}

// configKeychain resolves credentials from one docker CLI config
// directory as the CLI does: the registry's credHelpers entry, else
// credsStore, else the auths entry. It is authn.DefaultKeychain with the
// directory passed in rather than taken from the process environment.
type configKeychain struct{ dir string }

var _ authn.Keychain = configKeychain{}

// Resolve returns the registry's credentials, or authn.Anonymous when the
// config names none (or there is no config).
func (k configKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	if k.dir == "" {
		return authn.Anonymous, nil
	}
	cf, err := config.Load(k.dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(k.dir, config.ConfigFileName), err)
	}
	return resolve(cf, target)
}

func resolve(cf *configfile.ConfigFile, target authn.Resource) (authn.Authenticator, error) {
	// The CLI keys Docker Hub by its v1 URL, and a repository-specific
	// entry wins over the registry's.
	for _, key := range []string{target.String(), target.RegistryStr()} {
		if key == name.DefaultRegistry {
			key = authn.DefaultAuthKey
		}
		cfg, err := cf.GetAuthConfig(key)
		if err != nil {
			return nil, fmt.Errorf("credentials for %s: %w", key, err)
		}
		if cfg.Username != "" || cfg.Password != "" || cfg.Auth != "" || cfg.IdentityToken != "" || cfg.RegistryToken != "" {
			return authn.FromConfig(authn.AuthConfig{
				Username:      cfg.Username,
				Password:      cfg.Password,
				Auth:          cfg.Auth,
				IdentityToken: cfg.IdentityToken,
				RegistryToken: cfg.RegistryToken,
			}), nil
		}
	}
	return authn.Anonymous, nil
}

// registryAuth is the X-Registry-Auth value for ref: base64url JSON of the
// credentials the keychain has for ref's registry. Without credentials it
// is the encoding of "{}", as the docker CLI sends: daemons refuse a push
// that carries no header at all.
func registryAuth(ctx context.Context, kc authn.Keychain, ref string) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", ref, err)
	}
	auth, err := authn.Resolve(ctx, kc, r.Context())
	if err != nil {
		return "", err
	}
	if auth == authn.Anonymous {
		return encodeAuth(registry.AuthConfig{})
	}
	cfg, err := authn.Authorization(ctx, auth)
	if err != nil {
		return "", fmt.Errorf("credentials for %s: %w", r.Context().RegistryStr(), err)
	}
	server := r.Context().RegistryStr()
	if server == name.DefaultRegistry {
		server = authn.DefaultAuthKey
	}
	return encodeAuth(registry.AuthConfig{
		Username:      cfg.Username,
		Password:      cfg.Password,
		Auth:          cfg.Auth,
		ServerAddress: server,
		IdentityToken: cfg.IdentityToken,
		RegistryToken: cfg.RegistryToken,
	})
}

func encodeAuth(cfg registry.AuthConfig) (string, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("encode credentials: %w", err)
	}
	return base64.URLEncoding.EncodeToString(b), nil
}
