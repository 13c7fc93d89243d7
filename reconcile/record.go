package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/berth-dev/berth/engine"
)

// LabelConfig holds, on every container berth creates, a digest of each
// field of the JSON the config hash was computed on ([record]). Comparing
// it with the desired service's digests names the fields that changed
// ("environment.DB_HOST changed (value hidden)") without inspecting the
// container, and without the label holding a single value: anyone who can
// list containers (`berth ps --format json` prints labels) sees digests
// only.
const LabelConfig = "dev.berth.config-digests"

// LabelConfigV1 is where berth first recorded the hash input itself,
// environment values included. Containers still carrying it are read as
// before, and no output shows the label.
const LabelConfigV1 = engine.LabelBerthConfigV1

// record is LabelConfig's value. Values are digested field by field, and
// key by key in the maps whose keys a plan names; the image reference is
// kept as it is, since plans show it and docker ps shows it anyway.
//
// A digest is as strong as compose's own config-hash label, which is a
// SHA-256 over the same values: both let someone who can list containers
// confirm a guessed value, and neither shows one.
type record struct {
	// Hash is the config hash the record belongs to: a container recreated
	// by another tool with berth's labels copied no longer matches it.
	Hash   string            `json:"hash"`
	Image  string            `json:"image,omitempty"`
	Fields map[string]string `json:"fields"`
	// Maps holds environment and labels, key by key.
	Maps map[string]map[string]string `json:"maps,omitempty"`
	// Refs holds secrets and configs: per source, each reference's
	// attributes.
	Refs map[string]map[string][]map[string]string `json:"refs,omitempty"`
}

// mapFields and refFields are the fields recorded key by key.
var (
	mapFields = map[string]bool{"environment": true, "labels": true}
	refFields = map[string]bool{"secrets": true, "configs": true}
)

// newRecord digests a hash input (see hashInput).
func newRecord(input []byte) (record, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(input, &fields); err != nil {
		return record{}, fmt.Errorf("record config: %w", err)
	}
	r := record{Hash: sha256Hex(input), Fields: map[string]string{}}
	for key, raw := range fields {
		r.Fields[key] = digest(key, raw)
		switch {
		case key == "image":
			_ = json.Unmarshal(raw, &r.Image)
		case mapFields[key]:
			var m map[string]json.RawMessage
			_ = json.Unmarshal(raw, &m)
			out := map[string]string{}
			for k, v := range m {
				out[k] = digest(key+"."+k, v)
			}
			if r.Maps == nil {
				r.Maps = map[string]map[string]string{}
			}
			r.Maps[key] = out
		case refFields[key]:
			out := map[string][]map[string]string{}
			for src, refs := range refsBySource(raw) {
				for _, ref := range refs {
					attrs := map[string]string{}
					for attr, v := range ref {
						attrs[attr] = digest(key+"."+src+"."+attr, v)
					}
					out[src] = append(out[src], attrs)
				}
			}
			if r.Refs == nil {
				r.Refs = map[string]map[string][]map[string]string{}
			}
			r.Refs[key] = out
		}
	}
	return r, nil
}

// digest is a short digest of one value at path: 64 bits tell a change
// apart, and the path keeps equal values of different fields from
// looking alike.
func digest(path string, raw json.RawMessage) string {
	h := sha256.New()
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// recordLabel is LabelConfig's value for a hash input.
func recordLabel(input []byte) (string, error) {
	r, err := newRecord(input)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("record config: %w", err)
	}
	return string(b), nil
}

// recordedConfig returns the record berth left on c, or nil when there is
// none or it does not belong to c's config hash (someone else recreated
// the container and copied our labels). A container from before digests
// has its hash input in LabelConfigV1, which is digested here.
func recordedConfig(c engine.Container) *record {
	hash := c.Labels[engine.LabelConfigHash]
	if raw, ok := c.Labels[LabelConfig]; ok {
		var r record
		if json.Unmarshal([]byte(raw), &r) != nil || r.Hash != hash || r.Fields == nil {
			return nil
		}
		return &r
	}
	if raw, ok := c.Labels[LabelConfigV1]; ok && sha256Hex([]byte(raw)) == hash {
		if r, err := newRecord([]byte(raw)); err == nil {
			return &r
		}
	}
	return nil
}
