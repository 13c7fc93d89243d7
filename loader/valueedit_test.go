package loader

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/compose-spec/compose-go/v2/schema"
)

func TestValueEdit(t *testing.T) {
	const base = "  web:\n    image: web:1\n    command: [serve, --port, \"80\"]\n    environment:\n      MODE: fast\n      EMPTY:\n    ports: [\"80:80\"]\n"
	cases := []struct {
		name, old, new string
		want           bool
	}{
		{"same text", "image: web:1", "image: web:1", true},
		{"comment added", "    ports:", "    # published\n    ports:", true},
		{"quotes added", "image: web:1", "image: \"web:1\"", true},
		{"image changed", "image: web:1", "image: web:2", true},
		{"environment value changed", "MODE: fast", "MODE: slow", true},
		{"environment value made a number", "MODE: fast", "MODE: 3", true},
		{"environment value made a boolean", "MODE: fast", "MODE: true", true},
		{"environment value set", "EMPTY:\n", "EMPTY: x\n", true},
		{"command item changed", "\"80\"]", "\"81\"]", true},
		{"image made a number", "image: web:1", "image: 3", false},
		{"environment value made a float", "MODE: fast", "MODE: .nan", false},
		{"environment value made a list", "MODE: fast", "MODE: [a]", false},
		{"environment value tagged", "MODE: fast", "MODE: !!binary aGk=", false},
		{"environment key renamed", "MODE: fast", "MOOD: fast", false},
		{"environment key added", "MODE: fast", "MODE: fast\n      MORE: x", false},
		{"command item added", "\"80\"]", "\"80\", -v]", false},
		{"command item made a number", "\"80\"]", "80]", false},
		{"port changed", "80:80", "81:80", false},
		{"port quoted otherwise", `"80:80"`, `'80:80'`, false},
		{"key added", "    ports:", "    init: true\n    ports:", false},
		{"compose tag", "environment:", "environment: !reset", false},
		{"anchor", "MODE: fast", "MODE: &m fast", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			edited := replace(tc.old, tc.new)(base)
			if got := valueEdit([]byte(base), []byte(edited)); got != tc.want {
				t.Errorf("valueEdit of\n%s\nto\n%s\n= %v, want %v", base, edited, got, tc.want)
			}
		})
	}
}

// TestFreeScalarsMatchSchema puts values of every YAML type at places in a
// service and validates them with compose-go's schema: wherever freeScalar
// calls a type free, every value of it must pass. The places include some
// that are not free, so that a mistake in freeScalar that frees them fails.
func TestFreeScalarsMatchSchema(t *testing.T) {
	samples := map[string][]any{
		"!!str":   {"x", "", "1.5", "a b", "${X}"},
		"!!int":   {0, 5, -3},
		"!!bool":  {true, false},
		"!!null":  {nil},
		"!!float": {1.5},
	}
	places := []struct {
		path []step
		set  func(svc map[string]any, v any)
	}{
		{[]step{{key: "image"}}, func(s map[string]any, v any) { s["image"] = v }},
		{[]step{{key: "command"}}, func(s map[string]any, v any) { s["command"] = v }},
		{[]step{{key: "entrypoint"}}, func(s map[string]any, v any) { s["entrypoint"] = v }},
		{[]step{{key: "command"}, {item: true}}, func(s map[string]any, v any) { s["command"] = []any{v} }},
		{[]step{{key: "entrypoint"}, {item: true}}, func(s map[string]any, v any) { s["entrypoint"] = []any{v} }},
		{[]step{{key: "environment"}, {key: "K"}}, func(s map[string]any, v any) { s["environment"] = map[string]any{"K": v} }},
		{[]step{{key: "labels"}, {key: "K"}}, func(s map[string]any, v any) { s["labels"] = map[string]any{"K": v} }},
		{[]step{{key: "annotations"}, {key: "K"}}, func(s map[string]any, v any) { s["annotations"] = map[string]any{"K": v} }},
		{[]step{{key: "environment"}, {item: true}}, func(s map[string]any, v any) { s["environment"] = []any{v} }},
		{[]step{{key: "container_name"}}, func(s map[string]any, v any) { s["container_name"] = v }},
		{[]step{{key: "ports"}, {item: true}}, func(s map[string]any, v any) { s["ports"] = []any{v} }},
		{[]step{{key: "stop_grace_period"}}, func(s map[string]any, v any) { s["stop_grace_period"] = v }},
	}
	freed := 0
	for _, pl := range places {
		for tag, values := range samples {
			if !freeScalar(pl.path, tag) {
				continue
			}
			freed++
			for _, v := range values {
				svc := map[string]any{"image": "x"}
				pl.set(svc, v)
				doc := map[string]any{"services": map[string]any{"s": svc}}
				if err := schema.Validate(doc); err != nil {
					t.Errorf("%v = %#v (%s): freeScalar calls it free, but the schema refuses it: %v", pl.path, v, tag, err)
				}
			}
		}
	}
	if freed == 0 {
		t.Fatal("freeScalar frees nothing")
	}
}

// TestValueEditVariableChanged: a variable that the edited service already
// read when the base was loaded has another value now. Whatever reads it is
// unchanged text, but compose-go never checked it with this value, so the
// edit is checked as any other.
func TestValueEditVariableChanged(t *testing.T) {
	const file = "services:\n  a:\n    image: a:1\n    cgroup: ${CGROUP:-host}\n  b:\n    image: b:1\n"
	dir := spliceDir(t, file)
	opts := Options{WorkingDir: dir, Environ: map[string]string{"HOME": "/home/user"}, CacheDir: t.TempDir()}
	if _, err := Load(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "compose.yaml"), replace("image: a:1", "image: a:2")(file))
	opts.Environ = map[string]string{"HOME": "/home/user", "CGROUP": "shared"}
	_, src, err := loadVia(context.Background(), opts)
	_, wantErr := Load(context.Background(), Options{WorkingDir: dir, Environ: opts.Environ})
	if wantErr == nil {
		t.Fatal("a full load accepts cgroup \"shared\"; the test needs a value only the schema refuses")
	}
	if err == nil || err.Error() != wantErr.Error() {
		t.Fatalf("load after the edit got source %d, error %v; want the full load's error %v", src, err, wantErr)
	}
}
