package loader

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/template"
)

// Sentinels for errors.Is. Every error Load returns about the compose model
// wraps exactly one of them.
var (
	// ErrNoConfigFile: no compose file was found or a named one is missing.
	ErrNoConfigFile = errors.New("no compose file found")
	// ErrInvalidProjectName: -p, COMPOSE_PROJECT_NAME or --env is not a
	// valid project name.
	ErrInvalidProjectName = errors.New("invalid project name")
	// ErrSyntax: a compose file is not valid YAML.
	ErrSyntax = errors.New("invalid YAML")
	// ErrInvalid: the YAML is well formed but not a valid compose model
	// (unknown key, wrong type, inconsistent settings).
	ErrInvalid = errors.New("invalid compose file")
	// ErrUnknownService: a reference or a selection names a service that
	// does not exist or is disabled.
	ErrUnknownService = errors.New("no such service")
	// ErrMissingVariable: a ${VAR:?message} variable is unset or empty.
	ErrMissingVariable = errors.New("required variable is missing")
	// ErrInternal: the underlying compose-go loader panicked. It is a bug
	// there or here, never the user's fault, so the fuzz test fails on it.
	ErrInternal = errors.New("internal error in the compose loader")
)

// Error is a problem at a place in a compose file, printed as
// "file:line:col: message". Line and Column are 0 when unknown.
type Error struct {
	File   string // as shown to the user; empty when unknown
	Line   int
	Column int
	Path   string // key path, e.g. "services.web.depends_on"
	Msg    string // what is wrong and, when known, what to do
	Err    error  // the sentinel
	Cause  error  // compose-go's original error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
			if e.Column > 0 {
				b.WriteString(":" + strconv.Itoa(e.Column))
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap gives both the sentinel and compose-go's error to errors.Is/As.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}

// Patterns of compose-go v2.14.0's messages. They are matched only to add
// positions; an unmatched message is still returned, just less precisely.
var (
	parseErrRe    = lazyRegexp(`(?s)^failed to parse (.+?): (yaml: .*)$`)
	yamlMarkRe    = lazyRegexp(`line (\d+)(?:, column (\d+))?: `)
	yamlLineRe    = lazyRegexp(`line \d+`)
	validateErrRe = lazyRegexp(`(?s)^validating (.+?): (.*)$`)
	additionalRe  = lazyRegexp(`additional propert(?:y|ies) (.*) not allowed`)
	quotedRe      = lazyRegexp(`'([^']*)'`)
	interpErrRe   = lazyRegexp(`(?s)(?:error while interpolating|invalid interpolation format for) ([^\s:]+?)[.:]?(?:\s|$)`)
	undefinedRe   = lazyRegexp(`^service "([^"]+)" refers to undefined (network|volume|config|secret) ([^\s:]+)`)
	serviceErrRe  = lazyRegexp(`services?[ .]"?([a-zA-Z0-9._-]+?)"?[ .:]`)
)

// explain turns an error of compose-go's loader into one that says where:
// file, line, column and key path, wrapping a sentinel.
func explain(err error, files []*configFile) error {
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range multi.Unwrap() {
			out = append(out, explain(e, files))
		}
		return errors.Join(out...)
	}
	msg := err.Error()
	if m := parseErrRe().FindStringSubmatch(msg); m != nil {
		return syntaxError(err, fileOrRead(files, m[1]), m[2], lineOffset(err))
	}
	if m := validateErrRe().FindStringSubmatch(msg); m != nil {
		return schemaError(err, files, fileNamed(files, m[1]), m[2])
	}
	var missing *template.MissingRequiredError
	var invalidTmpl *template.InvalidTemplateError
	if errors.As(err, &missing) || errors.As(err, &invalidTmpl) {
		e := &Error{Msg: msg, Err: ErrInvalid, Cause: err}
		if missing != nil {
			e.Err = ErrMissingVariable
		}
		if m := interpErrRe().FindStringSubmatch(msg); m != nil {
			e.Path = m[1]
			e.File, e.Line, e.Column = locate(files, m[1], true)
			if missing != nil {
				e.Msg = m[1] + ": " + missing.Error()
			}
		}
		return e
	}
	if e := reword(err, msg, files); e != nil {
		return e
	}
	e := &Error{Msg: msg, Err: ErrInvalid, Cause: err}
	if m := undefinedRe().FindStringSubmatch(msg); m != nil {
		section := m[2] + "s"
		e.Path = "services." + m[1] + "." + section
		e.Msg = fmt.Sprintf("service %q: %s %q is not declared: add it to the top-level %s section", m[1], m[2], m[3], section)
		e.File, e.Line, e.Column, _ = locateRef(files, m[1], section, m[3])
	}
	if m := serviceErrRe().FindStringSubmatch(msg); m != nil && e.File == "" {
		e.File, e.Line, e.Column = locateAny(files, "services."+m[1])
	}
	if e.File == "" {
		e.File = displayNames(files)
	}
	return e
}

func schemaError(cause error, files []*configFile, f *configFile, msg string) error {
	path, rest := "", strings.TrimPrefix(msg, " ")
	if !strings.HasPrefix(msg, " ") {
		path, rest, _ = strings.Cut(msg, " ")
	}
	e := &Error{Path: path, Msg: typeWording(path, msg), Err: ErrInvalid, Cause: cause}
	search := files
	if f != nil {
		// The failing file is validated merged with the earlier ones, so
		// the key is usually in it but may come from an earlier file.
		search = append([]*configFile{f}, files...)
		e.File = f.display
	}
	if m := additionalRe().FindStringSubmatch(rest); m != nil {
		keys := quotedRe().FindAllStringSubmatch(m[1], -1)
		if len(keys) > 0 {
			key := keys[0][1]
			full := key
			if path != "" {
				full = path + "." + key
			}
			e.Path = full
			where := "top level"
			if path != "" {
				where = path
			}
			e.Msg = fmt.Sprintf("%s: unknown key %q%s", where, key, expectation(path, key, search))
			if noun, ok := namedSections[path]; ok {
				e.Msg = fmt.Sprintf("%s: invalid %s name %q: use only letters, digits, '.', '_' and '-'", path, noun, key)
			}
			file, line, col := locateAny(search, full)
			if file != "" {
				e.File, e.Line, e.Column = file, line, col
			}
			return e
		}
	}
	if file, line, col := locateAny(search, path); file != "" && path != "" {
		e.File, e.Line, e.Column = file, line, col
	}
	return e
}

// classifyTemplate wraps an interpolation error with its sentinel.
func classifyTemplate(err error) error {
	var missing *template.MissingRequiredError
	if errors.As(err, &missing) {
		return fmt.Errorf("%w: %w", ErrMissingVariable, err)
	}
	return fmt.Errorf("%w: %w", ErrInvalid, err)
}

func fileNamed(files []*configFile, name string) *configFile {
	for _, f := range files {
		if f.path == name {
			return f
		}
	}
	return nil
}

// fileOrRead is fileNamed, or for a file compose-go read itself (extends,
// include) a fresh read of it, shown by its path: this is an error path.
func fileOrRead(files []*configFile, name string) *configFile {
	if f := fileNamed(files, name); f != nil {
		return f
	}
	content, err := os.ReadFile(name)
	if err != nil {
		return &configFile{path: name, display: name}
	}
	return &configFile{path: name, display: name, content: content}
}

func displayNames(files []*configFile) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.display
	}
	return strings.Join(names, ", ")
}

// lazyRegexp compiles expr on first use. Nearly all of the loader's
// patterns read error messages, and compiling them when the package is
// initialised cost every berth process about 0.4 ms before main.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
