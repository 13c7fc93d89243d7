package docker

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// ignorePattern is one line of a .dockerignore file.
type ignorePattern struct {
	re      *regexp.Regexp
	exclude bool // a "!" line: matching paths are put back
}

// ignoreRules implements the common part of .dockerignore: one pattern per
// line, # comments, "*", "?", "[...]" within one path element, "**" across
// elements, "!" exceptions, and the last matching line wins. A pattern that
// matches a directory also matches everything in it.
type ignoreRules []ignorePattern

func parseDockerignore(r io.Reader) (ignoreRules, error) {
	var rules ignoreRules
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		p := strings.TrimSpace(sc.Text())
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		exclude := strings.HasPrefix(p, "!")
		if exclude {
			p = strings.TrimSpace(p[1:])
		}
		p = path.Clean(strings.TrimPrefix(p, "/"))
		if p == "." {
			// "." or "/" would ignore the whole context; docker treats it as
			// matching nothing.
			continue
		}
		re, err := globRegexp(p)
		if err != nil {
			return nil, fmt.Errorf(".dockerignore:%d: pattern %q: %w", line, p, err)
		}
		rules = append(rules, ignorePattern{re: re, exclude: exclude})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf(".dockerignore: %w", err)
	}
	return rules, nil
}

func globRegexp(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				i++
				if i+1 < len(p) && p[i+1] == '/' {
					// "**/" matches zero or more whole directories.
					i++
					b.WriteString("(.*/)?")
				} else {
					b.WriteString(".*")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unterminated [")
			}
			class := p[i+1 : i+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += end
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteString(regexp.QuoteMeta(string(p[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("(/.*)?$")
	return regexp.Compile(b.String())
}

// ignored reports whether rel (slash-separated, relative to the context)
// is left out of the build context.
func (r ignoreRules) ignored(rel string) bool {
	out := false
	for _, p := range r {
		if p.re.MatchString(rel) {
			out = !p.exclude
		}
	}
	return out
}

// hasExceptions reports whether some "!" line could put back a path inside
// an ignored directory, in which case the directory must still be walked.
func (r ignoreRules) hasExceptions() bool {
	for _, p := range r {
		if p.exclude {
			return true
		}
	}
	return false
}
