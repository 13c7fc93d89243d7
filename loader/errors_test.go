package loader

import (
	"errors"
	"strings"
	"testing"
)

func TestErrorsPointAtTheSource(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		opts    Options
		wantErr error
		want    []string // substrings of the message, in order
	}{
		{
			name:    "malformed YAML",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n   ports: [80\n"},
			wantErr: ErrSyntax,
			want:    []string{"compose.yaml:4:4: did not find expected key", "(while parsing a block mapping at line 2, column 3)"},
		},
		{
			name:    "malformed YAML found by the scanner",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n     ports: 80\n"},
			wantErr: ErrSyntax,
			want:    []string{"compose.yaml:4:11: mapping values are not allowed in this context"},
		},
		{
			name:    "mistyped service key",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    imagee: web\n"},
			wantErr: ErrInvalid,
			want:    []string{"compose.yaml:3:5: ", `services.web: unknown key "imagee"`, `(did you mean "image"?)`},
		},
		{
			name:    "unknown top-level key",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    image: web\nservice: {}\n"},
			wantErr: ErrInvalid,
			want:    []string{"compose.yaml:4:1: ", `top level: unknown key "service"`, `(did you mean "services"?)`},
		},
		{
			name:    "mistyped key in the override names the override",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n", "compose.override.yaml": "services:\n  web:\n    healthcheck:\n      intervall: 5s\n"},
			wantErr: ErrInvalid,
			want:    []string{"compose.override.yaml:4:7: ", `services.web.healthcheck: unknown key "intervall"`, `"interval"`},
		},
		{
			name:    "wrong type",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n    ports: 80\n"},
			wantErr: ErrInvalid,
			want:    []string{"compose.yaml:4:5: ", "services.web.ports must be a"},
		},
		{
			name:    "depends_on unknown service",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n    depends_on:\n      pgg:\n        condition: service_started\n  pg:\n    image: pg\n"},
			wantErr: ErrUnknownService,
			want:    []string{"compose.yaml:5:7: ", `service "web": depends_on "pgg": no such service`, `(did you mean "pg"?)`},
		},
		{
			name:    "links, volumes_from and network_mode, all reported in order",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n    links: [\"cache:c\"]\n    volumes_from: [data]\n  side:\n    image: side\n    network_mode: service:proxy\n"},
			wantErr: ErrUnknownService,
			want: []string{
				`compose.yaml:8:19: service "side": network_mode "proxy": no such service`,
				`compose.yaml:4:13: service "web": links "cache": no such service`,
				`compose.yaml:5:20: service "web": volumes_from "data": no such service`,
			},
		},
		{
			name:    "dependency disabled by its profile",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n    depends_on: [db]\n  db:\n    image: db\n    profiles: [data]\n"},
			wantErr: ErrUnknownService,
			want:    []string{"compose.yaml:4:18: ", `service "web": depends_on "db": that service is disabled by its profiles (data)`, "--profile"},
		},
		{
			name:    "missing required env_file",
			files:   map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n    env_file: [nope.env]\n"},
			wantErr: ErrInvalid,
			want:    []string{"compose.yaml:4:16: ", `service "web": env_file nope.env not found`},
		},
		{
			name:  "missing --env-file",
			files: map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n"},
			opts:  Options{EnvFiles: []string{"nope.env"}},
			want:  []string{"nope.env", "--env-file"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.WorkingDir = tree(t, tt.files)
			_, err := tryLoad(tt.opts)
			if err == nil {
				t.Fatalf("Load() got no error, want one containing %q", tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Load() got error %v, want errors.Is %v", err, tt.wantErr)
			}
			msg := err.Error()
			rest := msg
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("Load() error %q, want it to contain %q (in order)", msg, w)
					break
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "compose.yaml", Line: 3, Column: 5, Msg: "bad"}, "compose.yaml:3:5: bad"},
		{&Error{File: "compose.yaml", Line: 3, Msg: "bad"}, "compose.yaml:3: bad"},
		{&Error{File: "compose.yaml", Msg: "bad"}, "compose.yaml: bad"},
		{&Error{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("(%+v).Error() got %q, want %q", *tt.err, got, tt.want)
		}
	}
}
