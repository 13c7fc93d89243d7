// Package watch is `berth watch`: it turns file changes on the host into the
// develop.watch actions of a project's services (sync, restart, rebuild,
// exec) and carries them out, as docker compose watch does.
//
// The package has three parts, each usable alone: [Rules] and [Plan] decide,
// from the project and a batch of changed paths, what to do; [Notify]
// watches the trigger paths and hands over batches; [Apply] carries a
// batch out through the [Actions] its caller provides.
package watch

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ErrNothingToWatch is returned by Rules when no selected service has a
// develop.watch section.
var ErrNothingToWatch = errors.New("none of the selected services is configured for watch, consider setting a 'develop' section")

// ephemeral are files editors and tools write beside the ones a user edits;
// syncing them would only churn (compose ignores the same).
var ephemeral = []string{"**/*.swp", "**/*.swx", "**/*~", "**/.#*", "**/#*#", "**/4913", "**/.DS_Store", ".git", "**/.git"}

// Rule is one develop.watch trigger of one service, with its path made
// absolute and its patterns compiled.
type Rule struct {
	Service string
	Trigger types.Trigger
	include *patternmatcher.PatternMatcher // nil: everything under the path
	ignore  *patternmatcher.PatternMatcher
	// contextIgnore is the service's .dockerignore, relative to its build
	// context, for rebuild triggers.
	contextIgnore *patternmatcher.PatternMatcher
	context       string
}

// Rules returns the watch rules of the selected services (all when none is
// named), checked as compose checks them.
func Rules(p *types.Project, services []string) ([]Rule, error) {
	names := services
	if len(names) == 0 {
		names = p.ServiceNames()
	}
	var rules []Rule
	for _, name := range names {
		svc, ok := p.Services[name]
		if !ok {
			return nil, fmt.Errorf("no such service: %s", name)
		}
		if svc.Develop == nil {
			continue
		}
		for i, t := range svc.Develop.Watch {
			r, err := newRule(p, svc, t)
			if err != nil {
				return nil, fmt.Errorf("service %s: develop.watch[%d]: %w", name, i, err)
			}
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return nil, ErrNothingToWatch
	}
	return rules, nil
}

func newRule(p *types.Project, svc types.ServiceConfig, t types.Trigger) (Rule, error) {
	if t.Path == "" {
		return Rule{}, errors.New("path is required")
	}
	switch t.Action {
	case types.WatchActionSync, types.WatchActionSyncRestart, types.WatchActionSyncExec:
		if t.Target == "" {
			return Rule{}, fmt.Errorf("action %s needs a target (the path in the container)", t.Action)
		}
		if t.Action == types.WatchActionSyncExec && len(t.Exec.Command) == 0 {
			return Rule{}, fmt.Errorf("action %s needs exec.command", t.Action)
		}
	case types.WatchActionRebuild:
		if svc.Build == nil {
			return Rule{}, fmt.Errorf("action rebuild needs a build section in service %s", svc.Name)
		}
	case types.WatchActionRestart:
	default:
		return Rule{}, fmt.Errorf("unknown action %q: use sync, rebuild, restart, sync+restart or sync+exec", t.Action)
	}
	if !filepath.IsAbs(t.Path) {
		t.Path = filepath.Join(p.WorkingDir, t.Path)
	}
	t.Path = filepath.Clean(t.Path)
	r := Rule{Service: svc.Name, Trigger: t}
	var err error
	if len(t.Include) > 0 {
		if r.include, err = patternmatcher.New(t.Include); err != nil {
			return Rule{}, fmt.Errorf("include: %w", err)
		}
	}
	if r.ignore, err = patternmatcher.New(append(slices.Clone(ephemeral), t.Ignore...)); err != nil {
		return Rule{}, fmt.Errorf("ignore: %w", err)
	}
	if svc.Build != nil && t.Action == types.WatchActionRebuild {
		r.context = svc.Build.Context
		if r.contextIgnore, err = dockerignore(svc.Build); err != nil {
			return Rule{}, err
		}
	}
	return r, nil
}

// dockerignore reads the build context's .dockerignore, if any: a change
// the build would not see does not trigger a rebuild.
func dockerignore(b *types.BuildConfig) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(b.Context, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	m, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return m, nil
}

// Mapping is one changed file: where it is on the host and where a sync
// puts it in the container.
type Mapping struct {
	Host      string
	Container string // empty for actions that do not sync
}

// match returns where hostPath goes in the service's containers, and
// whether the rule applies to it at all.
func (r Rule) match(hostPath string) (Mapping, bool) {
	rel, err := filepath.Rel(r.Trigger.Path, hostPath)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return Mapping{}, false
	}
	slashed := filepath.ToSlash(rel)
	if r.include != nil && slashed != "." && !matches(r.include, slashed) {
		return Mapping{}, false
	}
	if slashed != "." && matches(r.ignore, slashed) {
		return Mapping{}, false
	}
	if r.contextIgnore != nil {
		if crel, err := filepath.Rel(r.context, hostPath); err == nil && !strings.HasPrefix(crel, "..") &&
			matches(r.contextIgnore, filepath.ToSlash(crel)) {
			return Mapping{}, false
		}
	}
	m := Mapping{Host: hostPath}
	if r.Trigger.Target != "" {
		m.Container = path.Join(r.Trigger.Target, slashed)
	}
	return m, true
}

// matches reports whether rel or one of its parent directories matches.
func matches(m *patternmatcher.PatternMatcher, rel string) bool {
	ok, err := m.MatchesOrParentMatches(rel)
	return err == nil && ok
}
