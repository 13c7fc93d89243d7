package loader

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The cache stores a loaded project in a JSON shape of its own rather than
// compose-go's: that JSON leaves out fields (`json:"-"`: service names,
// extensions, custom labels, disabled services…), rewrites others
// (ulimits, durations, secrets) and forgets nil versus empty. This codec
// writes every exported field under its Go name, tells nil from empty and
// tags interface values with their dynamic type, so decoding gives back a
// value equal to the one encoded. Whatever it cannot represent exactly (an
// unexported field, an unknown dynamic type, a string that is not UTF-8) is
// an error, and such a project is simply not cached.

// errUnsupported marks a value the codec cannot round-trip.
var errUnsupported = errors.New("cannot be cached")

// encodeValue appends v's encoding to b.
func encodeValue(b []byte, v reflect.Value) ([]byte, error) {
	switch v.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		// As a string: exact with the shortest digits, and NaN and ±Inf
		// (valid YAML in an extension) have no JSON number.
		return appendString(b, strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()))
	case reflect.String:
		return appendString(b, v.String())
	case reflect.Pointer:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return encodeValue(b, v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		name := v.Elem().Type().String()
		if _, ok := dynamicType(name); !ok {
			return nil, fmt.Errorf("value of type %s: %w", name, errUnsupported)
		}
		b = append(b, `{"t":`...)
		b, _ = appendString(b, name)
		b = append(b, `,"v":`...)
		b, err := encodeValue(b, v.Elem())
		return append(b, '}'), err
	case reflect.Slice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return encodeList(b, v)
	case reflect.Array:
		return encodeList(b, v)
	case reflect.Map:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return encodeMap(b, v)
	case reflect.Struct:
		return encodeStruct(b, v)
	}
	return nil, fmt.Errorf("%s value: %w", v.Kind(), errUnsupported)
}

func encodeList(b []byte, v reflect.Value) ([]byte, error) {
	b = append(b, '[')
	for i := range v.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = encodeValue(b, v.Index(i)); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// encodeMap writes keys sorted, so that one project always gives the same
// bytes.
func encodeMap(b []byte, v reflect.Value) ([]byte, error) {
	type kv struct {
		key string
		val reflect.Value
	}
	entries := make([]kv, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		k, err := mapKey(it.Key())
		if err != nil {
			return nil, err
		}
		entries = append(entries, kv{k, it.Value()})
	}
	slices.SortFunc(entries, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	b = append(b, '{')
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendString(b, e.key); err != nil {
			return nil, err
		}
		b = append(b, ':')
		if b, err = encodeValue(b, e.val); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func mapKey(k reflect.Value) (string, error) {
	switch k.Kind() {
	case reflect.String:
		return k.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("map key of kind %s: %w", k.Kind(), errUnsupported)
}

// encodeStruct writes the fields that are not zero, which must be
// exported: a missing field decodes to its zero value, which is what it was.
func encodeStruct(b []byte, v reflect.Value) ([]byte, error) {
	t := v.Type()
	b = append(b, '{')
	first := true
	for i := range t.NumField() {
		f := t.Field(i)
		fv := v.Field(i)
		if fv.IsZero() {
			continue
		}
		if !f.IsExported() {
			// Zero is what decoding leaves it at (compose-go's
			// SecretConfig.marshallContent is only set on copies made
			// for marshalling); anything else would be lost.
			return nil, fmt.Errorf("%s.%s is unexported and set: %w", t, f.Name, errUnsupported)
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b, _ = appendString(b, f.Name)
		b = append(b, ':')
		var err error
		if b, err = encodeValue(b, fv); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t, f.Name, err)
		}
	}
	return append(b, '}'), nil
}

// appendString writes s as a JSON string. encoding/json would turn invalid
// UTF-8 into U+FFFD, so such a string is refused rather than altered.
func appendString(b []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("string that is not UTF-8: %w", errUnsupported)
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"'), nil
}

// dynamicType lists the types an interface value may hold in the cache:
// what compose-go's YAML decoding puts in extensions and free-form fields.
// Anything else makes the project uncacheable.
func dynamicType(name string) (reflect.Type, bool) {
	var t reflect.Type
	switch name {
	case "bool":
		t = reflect.TypeFor[bool]()
	case "string":
		t = reflect.TypeFor[string]()
	case "int":
		t = reflect.TypeFor[int]()
	case "int64":
		t = reflect.TypeFor[int64]()
	case "uint64":
		t = reflect.TypeFor[uint64]()
	case "float64":
		t = reflect.TypeFor[float64]()
	case "[]interface {}":
		t = reflect.TypeFor[[]any]()
	case "map[string]interface {}":
		t = reflect.TypeFor[map[string]any]()
	default:
		return nil, false
	}
	return t, true
}
