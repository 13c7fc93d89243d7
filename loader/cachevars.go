package loader

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Which variables a cache entry depends on. Keying on the whole
// environment would be simplest, but the environment changes between runs
// for reasons that have nothing to do with the project (OLDPWD after a cd,
// a terminal's session variables, hyperfine's randomised variable), and
// each change would be a miss. A load can only read a variable whose name
// it finds in its input: ${NAME} or $NAME in a value, NAME in an
// environment list or as a secret's or config's environment, NAME alone on
// an env_file line. So an entry depends on the variables named somewhere in
// the compose files (and, checked on each hit, in the env and label files
// read later), plus the few that berth and compose-go read by fixed names.
// The project's Environment, which holds them all, is not cached but
// rebuilt on every hit.
//
// A name is "found" when it is a whole word of the text, words being runs of
// letters, digits and '_' (what compose-go's ${…} accepts); a name with
// other characters (a key like "my.var" in an environment list) is looked
// for as a plain substring. Escape sequences could spell a name without
// writing it (YAML's "\x41", dotenv's octal escapes), so a text holding a
// backslash is taken to name every variable.

// alwaysKeyed are the variables read by fixed name rather than because a
// compose file names them: compose's and docker's settings (e.g.
// DOCKER_DEFAULT_PLATFORM in finish), berth's, and the directories.
func alwaysKeyed(name string) bool {
	return strings.HasPrefix(name, "COMPOSE_") || strings.HasPrefix(name, "DOCKER_") ||
		strings.HasPrefix(name, "BERTH_") || name == "HOME" || name == "PWD"
}

// names is the set of variable names some texts may read.
type names struct {
	all   bool                // a text has escapes: every name counts
	words map[string]struct{} // whole words of the texts
	texts [][]byte            // for names that are not words
}

func namesIn(texts ...[]byte) names {
	n := names{words: map[string]struct{}{}, texts: texts}
	for _, t := range texts {
		if bytes.IndexByte(t, '\\') >= 0 {
			n.all = true
		}
		for i := 0; i < len(t); {
			if !isWordByte(t[i]) {
				i++
				continue
			}
			j := i
			for j < len(t) && isWordByte(t[j]) {
				j++
			}
			n.words[string(t[i:j])] = struct{}{}
			i = j
		}
	}
	return n
}

func (n names) has(name string) bool {
	if n.all {
		return true
	}
	if _, ok := n.words[name]; ok {
		return true
	}
	if isWord(name) {
		return false
	}
	for _, t := range n.texts {
		if bytes.Contains(t, []byte(name)) {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isWord(s string) bool {
	for i := range len(s) {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return s != ""
}

// keyedVars lists, sorted, the variables of env the compose files may read.
func keyedVars(env types.Mapping, files []*configFile) []string {
	texts := make([][]byte, len(files))
	for i, f := range files {
		texts[i] = f.content
	}
	n := namesIn(texts...)
	var out []string
	for name := range env {
		if alwaysKeyed(name) || n.has(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// varDep is a variable named in a file read after the key was computed,
// with a digest of its value ("unset" when it has none). Name "*" stands
// for the whole environment, when the file may name any variable.
type varDep struct {
	Name string
	Sum  string
}

// lateVars lists the variables the late dependency files may read: every
// word of theirs, set or not, since one set later would change the load.
func lateVars(env types.Mapping, contents [][]byte) []varDep {
	n := namesIn(contents...)
	if n.all {
		return []varDep{{Name: "*", Sum: envSum(env)}}
	}
	out := make([]varDep, 0, len(n.words))
	for _, w := range slices.Sorted(maps.Keys(n.words)) {
		out = append(out, varDep{Name: w, Sum: valueSum(env, w)})
	}
	return out
}

// current reports whether d still holds in env.
func (d varDep) current(env types.Mapping) bool {
	if d.Name == "*" {
		return d.Sum == envSum(env)
	}
	return d.Sum == valueSum(env, d.Name)
}

func valueSum(env types.Mapping, name string) string {
	v, ok := env[name]
	if !ok {
		return "unset"
	}
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func envSum(env types.Mapping) string {
	h := sha256.New()
	w := keyWriter{h}
	keys := slices.Sorted(maps.Keys(env))
	w.list(keys)
	for _, k := range keys {
		w.str(env[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}
