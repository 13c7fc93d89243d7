package loader

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"go.yaml.in/yaml/v4"
)

// projectName decides the project name as compose does: -p, then
// COMPOSE_PROJECT_NAME, then the last top-level `name:` of the compose
// files, then the project directory's name. Only the last two get the berth
// environment suffix: an explicit name is taken as meant.
func projectName(opts Options, env map[string]string, files []configFile, projectDir string) (string, error) {
	if opts.ProjectName != "" {
		return opts.ProjectName, validName(opts.ProjectName, "-p")
	}
	if v := env["COMPOSE_PROJECT_NAME"]; v != "" {
		return v, validName(v, "COMPOSE_PROJECT_NAME")
	}
	name, err := nameFromFiles(files, env, !opts.NoInterpolate)
	if err != nil {
		return "", err
	}
	if name == "" {
		name = NormalizeProjectName(filepath.Base(projectDir))
		if name == "" {
			return "", fmt.Errorf("%w: directory %s gives an empty project name: set one with -p or with a top-level `name` key", ErrInvalidProjectName, projectDir)
		}
	}
	if opts.Env != "" {
		name += "-" + opts.Env
	}
	return name, nil
}

// NormalizeProjectName turns s into a valid project name as compose-go's
// function of the same name does: lower case, only letters, digits, '-' and
// '_', no leading '-' or '_'. berth has its own so that the build that
// serves cached projects (see front.go) does not link compose-go's loader.
func NormalizeProjectName(s string) string {
	s = strings.ToLower(s)
	// Bytes, not runes: no byte of a multi-byte UTF-8 sequence is ASCII, so
	// those runes drop out as compose-go's ASCII-only pattern drops them.
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		if c := s[i]; 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' {
			b = append(b, c)
		}
	}
	return strings.TrimLeft(string(b), "_-")
}

func validName(name, source string) error {
	if name != NormalizeProjectName(name) {
		return fmt.Errorf("%w %q (from %s): use only lowercase letters, digits, '-' and '_', starting with a letter or digit", ErrInvalidProjectName, name, source)
	}
	return nil
}

// validEnv checks a berth environment name: it becomes part of the project
// name and of file names, so it follows the project name rules.
func validEnv(env string) error {
	if env != "" && env != NormalizeProjectName(env) {
		return fmt.Errorf("%w: environment %q: use only lowercase letters, digits, '-' and '_', starting with a letter or digit", ErrInvalidProjectName, env)
	}
	return nil
}

func nameFromFiles(files []configFile, env map[string]string, interpolate bool) (string, error) {
	var name string
	for _, f := range files {
		if !mayHaveName(f.content) {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(f.content))
		for {
			var doc struct {
				Name string `yaml:"name"`
			}
			if err := dec.Decode(&doc); err != nil {
				// io.EOF ends the stream; any other error is a broken
				// document, which the full load reports with its position.
				break
			}
			if doc.Name != "" {
				name = doc.Name
			}
		}
	}
	if name == "" {
		return "", nil
	}
	if interpolate {
		var err error
		name, err = template.Substitute(name, func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		})
		if err != nil {
			return "", fmt.Errorf("top-level name: %w", classifyTemplate(err))
		}
	}
	return NormalizeProjectName(name), nil
}

// mayHaveName is false only when the content certainly has no top-level
// name key: block style without one, no flow-style top level, no merge key.
// Most compose files have none, and a full parse only to learn that would
// be the most expensive step of naming the project.
func mayHaveName(content []byte) bool {
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return true
	}
	return hasNameKey(content) || bytes.Contains(content, []byte("<<"))
}

// hasNameKey reports a line that starts with a (possibly quoted) name key,
// ^["']?name["']?[ \t]*: in multi-line mode. It jumps from one "name" to
// the next rather than looking at every line, as a regexp would.
func hasNameKey(content []byte) bool {
	for off := 0; ; {
		i := bytes.Index(content[off:], []byte("name"))
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len("name")
		off = end
		if start > 0 && isQuote(content[start-1]) {
			start--
		}
		if start > 0 && content[start-1] != '\n' {
			continue
		}
		if end < len(content) && isQuote(content[end]) {
			end++
		}
		for end < len(content) && (content[end] == ' ' || content[end] == '\t') {
			end++
		}
		if end < len(content) && content[end] == ':' {
			return true
		}
	}
}

func isQuote(c byte) bool { return c == '"' || c == '\'' }
