//go:build !berthfront

package loader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/graph"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// An edit of a compose file usually touches one service, but compose-go
// reloads every service, and its cost grows with them: about 45 ms at 50
// services and 110 ms at 200, most of the time berth spends on an up after
// the edit. So, next to a cache entry, berth keeps a small base record of
// how the file was cut into services: each service's text, and a digest of
// the rest (the frame). When only some services' texts changed, compose-go
// loads just those (the frame kept, the others left out, or reduced to a
// stub when a changed service names them), and they replace their old
// versions in the cached project.
//
// That is only the project compose-go would load when its services are
// loaded independently of one another, so the splice is tried only where
// they are, and anything else falls back to the full load:
//
//   - one compose file, one YAML document, no anchors or aliases (a shared
//     anchor would make one edit change several services), no extends;
//   - services as a block mapping, each service's text on lines of its own;
//   - the same options as the base (the base key is the cache key without
//     the file's bytes and variables), and the same values for every
//     variable the unchanged text may read (the base record lists the
//     values its file could read);
//   - the base project had no warnings and no disabled services, and the
//     reduced load has neither;
//   - the reduced load keeps the project's top-level networks, volumes,
//     secrets, configs and models exactly as the base had them (so the
//     implicit default network is the same);
//   - the spliced project has no dependency cycle, and finish accepts it.
//
// Any error of the reduced load also falls back, so that errors are always
// compose-go's own, from the full load.

// baseFormat names the base record's layout.
const baseFormat = "berth-loader-base-3"

// baseRecord describes the file a cache entry was loaded from.
type baseRecord struct {
	Format   string
	Key      string            // the base key
	Entry    string            // the cache key of the finished project
	Frame    string            // digest of the file without its services
	Services map[string]string // service → its text
	TopLevel string            // digest of the unpruned top-level resources
	// Vars are the variables the file may read that were set, each with
	// its valueSum.
	Vars map[string]string
}

// serviceText is where one service sits in a compose file: the lines from
// its key up to the next service's key (or the end of the services).
type serviceText struct {
	name       string
	start, end int // byte offsets
	indent     int // the key's column, 0-based
}

// splitFile is a compose file cut into its services and the rest.
type splitFile struct {
	content  []byte
	services []serviceText
}

// safeServiceName is what a stub may spell without quoting concerns; the
// compose schema allows no more than this in a service name anyway.
func safeServiceName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// splitServices cuts f into services, or says it cannot be cut safely.
func splitServices(f *configFile) (splitFile, bool) {
	if f.path == stdinName || !f.parsed || len(f.nodes) != 1 || bytes.Contains(f.content, []byte("extends")) {
		return splitFile{}, false
	}
	doc := f.nodes[0]
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || hasAnchors(doc) {
		return splitFile{}, false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode || root.Style&yaml.FlowStyle != 0 {
		return splitFile{}, false
	}
	lines := lineStarts(f.content)
	var svcs *yaml.Node
	end := len(f.content)
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "services" {
			svcs = root.Content[i+1]
			if i+2 < len(root.Content) {
				end = lines[root.Content[i+2].Line-1]
			}
		}
	}
	if svcs == nil || svcs.Kind != yaml.MappingNode || svcs.Style&yaml.FlowStyle != 0 || len(svcs.Content) == 0 {
		return splitFile{}, false
	}
	out := splitFile{content: f.content}
	for i := 0; i+1 < len(svcs.Content); i += 2 {
		k := svcs.Content[i]
		if k.Kind != yaml.ScalarNode || !safeServiceName(k.Value) || k.Line < 1 || k.Line > len(lines) {
			return splitFile{}, false
		}
		start := lines[k.Line-1]
		// The key must open its line, or the line holds more than it.
		if !onlySpaces(f.content[start : start+k.Column-1]) {
			return splitFile{}, false
		}
		if n := len(out.services); n > 0 {
			prev := &out.services[n-1]
			if start <= prev.start {
				return splitFile{}, false
			}
			prev.end = start
		}
		out.services = append(out.services, serviceText{name: k.Value, start: start, indent: k.Column - 1})
	}
	last := &out.services[len(out.services)-1]
	if end <= last.start {
		return splitFile{}, false
	}
	last.end = end
	return out, true
}

// hasAnchors reports an anchor or alias anywhere under n.
func hasAnchors(n *yaml.Node) bool {
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return true
	}
	return slices.ContainsFunc(n.Content, hasAnchors)
}

func lineStarts(b []byte) []int {
	starts := []int{0}
	for i, c := range b {
		if c == '\n' && i+1 < len(b) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func onlySpaces(b []byte) bool {
	return len(bytes.Trim(b, " ")) == 0
}

func (s splitFile) text(t serviceText) []byte { return s.content[t.start:t.end] }

// frame digests the file with every service's text left out, the services'
// names kept in order.
func (s splitFile) frame() string {
	h := sha256.New()
	w := keyWriter{h}
	w.bytes(s.content[:s.services[0].start])
	for _, t := range s.services {
		w.str(t.name)
	}
	w.bytes(s.content[s.services[len(s.services)-1].end:])
	return hex.EncodeToString(h.Sum(nil))
}

func (s splitFile) texts() map[string]string {
	out := make(map[string]string, len(s.services))
	for _, t := range s.services {
		out[t.name] = string(s.text(t))
	}
	return out
}

// reduced is the file with only the changed services' texts, and a stub
// for each other service a changed one may refer to (its name appears in a
// changed text), so that compose-go's consistency check finds it.
func (s splitFile) reduced(changed map[string]bool) []byte {
	var changedText []byte
	for _, t := range s.services {
		if changed[t.name] {
			changedText = append(changedText, s.text(t)...)
		}
	}
	var b bytes.Buffer
	b.Write(s.content[:s.services[0].start])
	for _, t := range s.services {
		switch {
		case changed[t.name]:
			b.Write(s.text(t))
		case bytes.Contains(changedText, []byte(t.name)):
			b.WriteString(strings.Repeat(" ", t.indent))
			b.WriteString(t.name)
			b.WriteString(": {image: berth-splice-stub, network_mode: none}\n")
		}
	}
	// One stub on the default network, so that the reduced project always
	// declares it: finish prunes it again if no service uses it.
	b.WriteString(strings.Repeat(" ", s.services[0].indent))
	b.WriteString(defaultStub + ": {image: berth-splice-stub}\n")
	b.Write(s.content[s.services[len(s.services)-1].end:])
	return b.Bytes()
}

// defaultStub is the stub that uses the default network; no real service
// may have its name.
const defaultStub = "berth-splice-default-network"

// baseKey is the key of the base record for in: the cache key without the
// compose file's bytes and variables, which may change between a base and
// a splice.
func (c *projectCache) baseKey(in *input) string {
	return in.digestInputs(baseFormat, c.identity, false)
}

// setVars is what a base record keeps of env: the variables text may
// read that are set, with their valueSum.
func setVars(env types.Mapping, text []byte) map[string]string {
	n := namesIn(text)
	out := map[string]string{}
	for name := range env {
		if alwaysKeyed(name) || n.has(name) {
			out[name] = valueSum(env, name)
		}
	}
	return out
}

// sameVars reports whether every variable text may read has the value (or
// is unset, as) the base had. text is part of the base's file, so every
// such variable the base had set is in vars.
func sameVars(vars map[string]string, env types.Mapping, text []byte) bool {
	n := namesIn(text)
	reads := func(name string) bool { return alwaysKeyed(name) || n.has(name) }
	for name, sum := range vars {
		if reads(name) && valueSum(env, name) != sum {
			return false
		}
	}
	for name := range env {
		if _, ok := vars[name]; !ok && reads(name) {
			return false
		}
	}
	return true
}

// unchanged is the file without the changed services' texts: what the
// splice takes from the base as it was.
func (s splitFile) unchanged(changed map[string]bool) []byte {
	var b bytes.Buffer
	b.Write(s.content[:s.services[0].start])
	for _, t := range s.services {
		if !changed[t.name] {
			b.Write(s.text(t))
		}
	}
	b.Write(s.content[s.services[len(s.services)-1].end:])
	return b.Bytes()
}

// topLevel digests the resources compose-go declared for the project
// before finish pruned the unused ones.
func topLevel(p *types.Project) (string, bool) {
	networks := p.Networks
	if n, ok := networks["default"]; ok && reflect.DeepEqual(n, types.NetworkConfig{Name: p.Name + "_default"}) {
		// Implicit: compose-go adds it when a service uses it, and the
		// reduced load always has one that does.
		networks = maps.Clone(networks)
		delete(networks, "default")
	}
	v := struct {
		Networks   types.Networks
		Volumes    types.Volumes
		Secrets    types.Secrets
		Configs    types.Configs
		Models     types.Models
		Extensions types.Extensions
		Profiles   []string
	}{networks, p.Volumes, p.Secrets, p.Configs, p.Models, p.Extensions, p.Profiles}
	b, err := encodeValue(nil, reflect.ValueOf(v))
	if err != nil {
		return "", false
	}
	d := sha256.Sum256(b)
	return hex.EncodeToString(d[:]), true
}

// sameDependencies reports whether a and b depend on the same services,
// the edges of compose-go's cycle check.
func sameDependencies(a, b types.ServiceConfig) bool {
	if len(a.DependsOn) != len(b.DependsOn) {
		return false
	}
	for name := range a.DependsOn {
		if _, ok := b.DependsOn[name]; !ok {
			return false
		}
	}
	return true
}

// spliceable says whether a load of in may become a base, or use one.
func (in *input) spliceable() bool {
	return len(in.files) == 1 && len(in.opts.Services) == 0 && !in.opts.NoInterpolate && !in.opts.AllResources
}

// newBase describes the just loaded p (compose-go's project, before finish)
// for the cache entry stored under c.key; false when it cannot be a base.
func (in *input) newBase(p *types.Project, c *projectCache) (baseRecord, bool) {
	if !in.spliceable() || len(p.DisabledServices) > 0 {
		return baseRecord{}, false
	}
	s, ok := splitServices(in.files[0])
	if !ok || len(s.services) != len(p.Services) {
		return baseRecord{}, false
	}
	top, ok := topLevel(p)
	if !ok {
		return baseRecord{}, false
	}
	return baseRecord{
		Format:   baseFormat,
		Key:      c.baseKey(in),
		Entry:    c.key,
		Frame:    s.frame(),
		Services: s.texts(),
		TopLevel: top,
		Vars:     setVars(c.env, s.content),
	}, true
}

func (c *projectCache) storeBase(b baseRecord) { c.save(b.Key, b) }

// splice loads in from the base of an earlier load and the changed
// services; src says whether compose-go checked them against its schema
// (see valueedit.go). ok is false when it cannot, and the caller loads in
// full.
func (in *input) splice(ctx context.Context, c *projectCache) (*types.Project, source, bool) {
	if !in.spliceable() {
		return nil, fromCompose, false
	}
	var base baseRecord
	data, err := c.dir.Get(c.baseKey(in))
	if err != nil || decodeInto(data, &base) != nil || base.Format != baseFormat {
		return nil, fromCompose, false
	}
	s, ok := splitServices(in.files[0])
	if !ok || s.frame() != base.Frame || len(s.services) != len(base.Services) {
		return nil, fromCompose, false
	}
	if _, ok := base.Services[defaultStub]; ok {
		return nil, fromCompose, false
	}
	texts := s.texts()
	changed := map[string]bool{}
	var before []byte // the changed services' texts in the base
	for name, text := range texts {
		old, ok := base.Services[name]
		if !ok {
			return nil, fromCompose, false
		}
		if old != text {
			changed[name] = true
			before = append(before, old...)
		}
	}
	if !sameVars(base.Vars, c.env, s.unchanged(changed)) {
		return nil, fromCompose, false
	}
	src := fromValueEdit
	for name := range changed {
		if !valueEdit([]byte(base.Services[name]), []byte(texts[name])) {
			src = fromSplice
			break
		}
	}
	if !sameVars(base.Vars, c.env, before) {
		src = fromSplice
	}
	if src == fromSplice {
		warmSchema()
	}
	prev := *c
	prev.key = base.Entry
	entry, ok := prev.entry()
	if !ok || len(entry.Warnings) > 0 {
		return nil, fromCompose, false
	}

	reduced := in.details()
	reduced.ConfigFiles[0].Content = s.reduced(changed)
	var u uncacheable
	stop := record()
	rp, err := loader.LoadWithContext(ctx, reduced, in.loaderOptions(true), func(o *loader.Options) {
		o.Listeners = append(o.Listeners, u.listen)
		o.SkipValidation = src == fromValueEdit
	})
	warnings, exact := stop()
	if err != nil || len(warnings) > 0 || !exact || len(rp.DisabledServices) > 0 {
		return nil, fromCompose, false
	}
	if top, ok := topLevel(rp); !ok || top != base.TopLevel {
		return nil, fromCompose, false
	}
	late, cacheable := lateDependencies(rp, &u)
	if !cacheable {
		return nil, fromCompose, false
	}

	// entry.Project holds finished services, which finish leaves as they
	// are; the top level comes back unpruned from the reduced load, for
	// finish to prune against the new services.
	p := entry.Project
	p.Environment = rp.Environment
	p.Networks, p.Volumes, p.Secrets, p.Configs, p.Models, p.Extensions = rp.Networks, rp.Volumes, rp.Secrets, rp.Configs, rp.Models, rp.Extensions
	rewired := false
	for name := range changed {
		svc, ok := rp.Services[name]
		if !ok {
			return nil, fromCompose, false
		}
		rewired = rewired || !sameDependencies(p.Services[name], svc)
		p.Services[name] = svc
	}
	// A cycle needs an edge the cached project, which had none, lacked.
	if rewired && graph.CheckCycle(p) != nil {
		return nil, fromCompose, false
	}
	p, err = in.finishOnly(p, slices.AppendSeq([]string{}, maps.Keys(changed)))
	if err != nil {
		return nil, fromCompose, false
	}

	deps := append(late.files, entry.Deps...)
	vars := append(lateVars(c.env, late.contents), entry.Vars...)
	if c.put(p, deps, vars, nil) {
		base.Entry = c.key
		base.Services = texts
		base.Vars = setVars(c.env, s.content)
		c.storeBase(base)
	}
	if in.opts.Edited != nil && len(changed) > 0 {
		in.opts.Edited(slices.Sorted(maps.Keys(changed)))
	}
	return p, src, true
}
