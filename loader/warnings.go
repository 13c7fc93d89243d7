package loader

import (
	"slices"
	"sync"

	"github.com/sirupsen/logrus"
)

// compose-go prints its warnings (an obsolete `version`, an unset variable
// defaulting to blank, yes/no booleans…) through logrus's standard logger
// while it loads. A project served from the cache is not loaded, so the
// warnings the real load printed are recorded with the entry and printed
// again on every hit: the user sees the same thing either way.

// warning is one recorded log line.
type warning struct {
	Level   string
	Message string
}

// recorder collects what compose-go logs during one load.
type recorder struct {
	mu       sync.Mutex
	warnings []warning
	// exact is false once an entry had fields, which a replay of the
	// message alone would not reproduce.
	exact bool
}

// Levels leaves out panic and fatal: those end the load, which is then
// not cached, and replaying them would end the process.
func (r *recorder) Levels() []logrus.Level {
	return []logrus.Level{logrus.ErrorLevel, logrus.WarnLevel, logrus.InfoLevel, logrus.DebugLevel, logrus.TraceLevel}
}

func (r *recorder) Fire(e *logrus.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(e.Data) > 0 {
		r.exact = false
	}
	r.warnings = append(r.warnings, warning{Level: e.Level.String(), Message: e.Message})
	return nil
}

// record starts recording what the standard logger prints (only what its
// level lets through fires hooks) and returns the function that stops and
// says what was printed and whether it can be replayed exactly.
//
// The hook is added to logrus's process-wide logger: that is the only place
// compose-go logs to. Removing it takes two ReplaceHooks calls, and a line
// logged by another goroutine in between would miss the hooks; berth loads
// once per command and adds no other hooks, so nothing is lost in practice.
func record() (stop func() ([]warning, bool)) {
	r := &recorder{exact: true}
	l := logrus.StandardLogger()
	l.AddHook(r)
	return func() ([]warning, bool) {
		hooks := l.ReplaceHooks(make(logrus.LevelHooks))
		kept := make(logrus.LevelHooks, len(hooks))
		for level, list := range hooks {
			kept[level] = slices.DeleteFunc(slices.Clone(list), func(h logrus.Hook) bool { return h == r })
		}
		l.ReplaceHooks(kept)
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.warnings, r.exact
	}
}

// replay prints recorded lines again, as compose-go printed them.
func replay(ws []warning) {
	l := logrus.StandardLogger()
	for _, w := range ws {
		level, err := logrus.ParseLevel(w.Level)
		if err != nil {
			level = logrus.WarnLevel
		}
		l.Log(level, w.Message)
	}
}
