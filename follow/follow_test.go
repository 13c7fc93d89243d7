package follow_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
	"github.com/berth-dev/berth/follow"
	"github.com/berth-dev/berth/ui"
)

// start creates and starts one container per service; a command of
// ["exit", "N"] exits at once with N, any other runs until stopped.
func start(t *testing.T, f *fake.Engine, cmds map[string][]string) []follow.Target {
	t.Helper()
	ctx := context.Background()
	var out []follow.Target
	for _, svc := range []string{"a", "b", "c"} {
		cmd, ok := cmds[svc]
		if !ok {
			continue
		}
		id, err := f.CreateContainer(ctx, engine.ContainerSpec{
			Name:    "p-" + svc + "-1",
			Service: types.ServiceConfig{Name: svc, Image: "app", Command: cmd},
			Labels:  map[string]string{engine.LabelProject: "p", engine.LabelService: svc},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.StartContainer(ctx, id); err != nil {
			t.Fatal(err)
		}
		out = append(out, follow.Target{Name: svc + "-1", Service: svc, ID: id})
	}
	return out
}

func newEngine() *fake.Engine {
	return fake.New().WithImage(engine.Image{Tags: []string{"app"}}).Build()
}

// stopAll ends every running target with code, as a stop would.
func stopAll(f *fake.Engine, targets []follow.Target, code int) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, t := range targets {
			c, err := f.InspectContainer(ctx, t.ID)
			if err != nil {
				return err
			}
			if c.State == "running" {
				if err := f.Exit(t.ID, code); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

func TestRunCodes(t *testing.T) {
	run := []string{"serve"}
	for _, tc := range []struct {
		name    string
		cmds    map[string][]string
		cascade follow.Cascade
		from    string
		want    int
		stopped bool
	}{
		{"no cascade ends with 0", map[string][]string{"a": {"exit", "3"}, "b": {"exit", "0"}}, follow.Never, "", 0, false},
		{"on exit takes the first exit's code", map[string][]string{"a": {"exit", "3"}, "b": run}, follow.OnExit, "", 3, true},
		{"on failure ignores a clean exit", map[string][]string{"a": {"exit", "0"}, "b": {"exit", "0"}}, follow.OnFailure, "", 0, false},
		{"on failure aborts on non-zero", map[string][]string{"a": {"exit", "0"}, "b": {"exit", "4"}, "c": run}, follow.OnFailure, "", 4, true},
		{"exit-code-from the service that exited", map[string][]string{"a": {"exit", "3"}, "b": run}, follow.OnExit, "a", 3, true},
		{"exit-code-from a service the abort stopped", map[string][]string{"a": {"exit", "3"}, "b": run}, follow.OnExit, "b", 143, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newEngine()
			targets := start(t, f, tc.cmds)
			stopped := false
			stop := stopAll(f, targets, 143)
			res, err := follow.Run(context.Background(), f, nil, targets, follow.Options{
				Cascade: tc.cascade,
				Stop: func(ctx context.Context) error {
					stopped = true
					return stop(ctx)
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Code(tc.from); got != tc.want {
				t.Errorf("Code(%q) got %d, want %d (exits %v)", tc.from, got, tc.want, res.Exits)
			}
			if stopped != tc.stopped {
				t.Errorf("Stop called %v, want %v", stopped, tc.stopped)
			}
		})
	}
}

func TestRunInterrupted(t *testing.T) {
	f := newEngine()
	targets := start(t, f, map[string][]string{"a": {"serve"}})
	ctx, cancel := context.WithCancel(context.Background())
	var events []follow.Event
	f.Hooks.WaitContainer = func(context.Context, string) error {
		cancel() // the user presses Ctrl-C while the container runs
		return nil
	}
	res, err := follow.Run(ctx, f, nil, targets, follow.Options{
		Cascade: follow.OnExit,
		Notify:  func(e follow.Event) { events = append(events, e) },
		Stop:    stopAll(f, targets, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || len(events) != 1 || events[0] != follow.Interrupted {
		t.Errorf("after interrupt got Interrupted %v, events %v; want true, [Interrupted]", res.Interrupted, events)
	}
}

func TestRunQuietTargetsPrintNothingButCount(t *testing.T) {
	f := newEngine()
	targets := start(t, f, map[string][]string{"a": {"exit", "0"}, "b": {"exit", "5"}})
	for _, tg := range targets {
		if err := f.SetLogs(tg.ID, tg.Service+" says hi\n", ""); err != nil {
			t.Fatal(err)
		}
	}
	targets[1].Quiet = true
	var stdout bytes.Buffer
	mux := ui.NewLogMux(&stdout, ui.LogOptions{Prefix: true}, []ui.LogSource{{Name: "a-1", Service: "a"}})
	res, err := follow.Run(context.Background(), f, mux, targets, follow.Options{Cascade: follow.OnFailure})
	if err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	if !strings.Contains(out, "a says hi") || !strings.Contains(out, "a-1 exited with code 0") {
		t.Errorf("output %q, want a's line and exit", out)
	}
	if strings.Contains(out, "b says hi") || strings.Contains(out, "b-1 exited") {
		t.Errorf("output %q shows quiet target b", out)
	}
	if got := res.Code(""); got != 5 {
		t.Errorf("Code got %d, want 5 from quiet b's failure", got)
	}
}

func TestTargets(t *testing.T) {
	c := func(name, svc string) engine.Container {
		return engine.Container{ID: name + "-id", Name: "p-" + name, Labels: map[string]string{
			engine.LabelProject: "p", engine.LabelService: svc, engine.LabelNumber: "1"}}
	}
	cs := []engine.Container{c("web-1", "web"), c("db-1", "db"), c("cache-1", "cache")}
	for _, tc := range []struct {
		name      string
		sel       follow.Selection
		wantQuiet string // services that print nothing, in order
	}{
		{"all print by default", follow.Selection{}, ""},
		{"--attach picks", follow.Selection{Attach: []string{"web"}}, "db cache"},
		{"--no-attach drops", follow.Selection{NoAttach: []string{"db"}}, "db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var quiet []string
			for _, tg := range follow.Targets(cs, tc.sel) {
				if tg.Quiet {
					quiet = append(quiet, tg.Service)
				}
			}
			if got := strings.Join(quiet, " "); got != tc.wantQuiet {
				t.Errorf("Targets(%+v) quiet %q, want %q", tc.sel, got, tc.wantQuiet)
			}
		})
	}
	got := follow.Targets(cs, follow.Selection{Fresh: map[string]bool{"p-web-1": true}, Since: "42.0", Timestamps: true})
	if got[0].Name != "web-1" || got[0].Logs.Since != "" || got[1].Logs.Since != "42.0" || !got[1].Logs.Timestamps {
		t.Errorf("Targets with fresh web-1 got %+v, want web-1 from the start, db-1 since 42.0, timestamps on", got)
	}
}
