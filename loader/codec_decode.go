package loader

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Decoding parses the codec's JSON straight into the target values. Going
// through encoding/json's generic tree first took two thirds of a cache
// hit; this parser reads the bytes once and allocates only what it keeps.
// It accepts any valid JSON of the right shape, not only the encoder's
// output, and reports anything else as an error: a damaged entry is a miss.

var errSyntax = errors.New("malformed cache entry")

// decodeInto decodes data into the value p points to.
func decodeInto(data []byte, p any) error {
	d := &parser{data: data, fields: map[reflect.Type]map[string]int{}}
	if err := d.value(reflect.ValueOf(p).Elem()); err != nil {
		return fmt.Errorf("decode at byte %d: %w", d.pos, err)
	}
	if d.skip(); d.pos != len(d.data) {
		return fmt.Errorf("decode at byte %d: trailing data: %w", d.pos, errSyntax)
	}
	return nil
}

type parser struct {
	data   []byte
	pos    int
	fields map[reflect.Type]map[string]int // struct field indexes by name
}

func (d *parser) skip() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, 0 at the end.
func (d *parser) peek() byte {
	d.skip()
	if d.pos == len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

func (d *parser) expect(c byte) error {
	if d.peek() != c {
		return fmt.Errorf("want %q: %w", c, errSyntax)
	}
	d.pos++
	return nil
}

func (d *parser) literal(word string) bool {
	if d.peek() == word[0] && len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return true
	}
	return false
}

// value parses into v, which is settable and zero; null leaves it so.
func (d *parser) value(v reflect.Value) error {
	if d.literal("null") {
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		switch {
		case d.literal("true"):
			v.SetBool(true)
		case d.literal("false"):
		default:
			return d.mismatch(v)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(d.number(), 10, v.Type().Bits())
		if err != nil {
			return d.mismatch(v)
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, err := strconv.ParseUint(d.number(), 10, v.Type().Bits())
		if err != nil {
			return d.mismatch(v)
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		s, err := d.str()
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return d.mismatch(v)
		}
		v.SetFloat(f)
	case reflect.String:
		s, err := d.str()
		if err != nil {
			return err
		}
		v.SetString(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := d.value(p.Elem()); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Interface:
		return d.dynamic(v)
	case reflect.Slice, reflect.Array:
		return d.list(v)
	case reflect.Map:
		return d.mapping(v)
	case reflect.Struct:
		return d.structure(v)
	default:
		return fmt.Errorf("%s value: %w", v.Kind(), errUnsupported)
	}
	return nil
}

func (d *parser) number() string {
	d.skip()
	start := d.pos
	for d.pos < len(d.data) && (d.data[d.pos] == '-' || d.data[d.pos] >= '0' && d.data[d.pos] <= '9') {
		d.pos++
	}
	return string(d.data[start:d.pos])
}

// str parses a JSON string.
func (d *parser) str() (string, error) {
	if err := d.expect('"'); err != nil {
		return "", err
	}
	start := d.pos
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; {
		case c == '"':
			s := string(d.data[start:d.pos])
			d.pos++
			return s, nil
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", fmt.Errorf("control character in a string: %w", errSyntax)
		}
		d.pos++
	}
	return "", fmt.Errorf("unterminated string: %w", errSyntax)
}

// escaped finishes a string that holds escape sequences.
func (d *parser) escaped(start int) (string, error) {
	b := append([]byte(nil), d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return string(b), nil
		case c < 0x20:
			return "", fmt.Errorf("control character in a string: %w", errSyntax)
		case c != '\\':
			b = append(b, c)
			d.pos++
			continue
		}
		if d.pos+1 >= len(d.data) {
			break
		}
		e := d.data[d.pos+1]
		d.pos += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", fmt.Errorf("bad \\u escape: %w", errSyntax)
			}
			if utf16.IsSurrogate(r) {
				// A pair spells one character; a lone half is invalid.
				if !d.literal(`\u`) {
					return "", fmt.Errorf("lone surrogate: %w", errSyntax)
				}
				r2, ok := d.hex4()
				if r = utf16.DecodeRune(r, r2); !ok || r == utf8.RuneError {
					return "", fmt.Errorf("bad surrogate pair: %w", errSyntax)
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", fmt.Errorf("bad escape \\%c: %w", e, errSyntax)
		}
	}
	return "", fmt.Errorf("unterminated string: %w", errSyntax)
}

func (d *parser) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d.data[d.pos:d.pos+4]), 16, 16)
	d.pos += 4
	return rune(n), err == nil
}

// object parses the members of an object, calling member for each key
// with the parser at its value.
func (d *parser) object(member func(key string) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return fmt.Errorf("want ',' or '}': %w", errSyntax)
		}
	}
}

// dynamic parses an interface value: {"t": type name, "v": value}, the
// type first so that the value can be parsed into it.
func (d *parser) dynamic(v reflect.Value) error {
	var e reflect.Value
	return d.object(func(key string) error {
		switch {
		case key == "t" && !e.IsValid():
			name, err := d.str()
			if err != nil {
				return err
			}
			t, ok := dynamicType(name)
			if !ok {
				return fmt.Errorf("value of type %q: %w", name, errUnsupported)
			}
			e = reflect.New(t).Elem()
			return nil
		case key == "v" && e.IsValid():
			if err := d.value(e); err != nil {
				return err
			}
			v.Set(e)
			return nil
		}
		return fmt.Errorf("interface value: unexpected %q: %w", key, errSyntax)
	})
}

func (d *parser) list(v reflect.Value) error {
	if err := d.expect('['); err != nil {
		return d.mismatch(v)
	}
	isSlice := v.Kind() == reflect.Slice
	if isSlice {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	n := 0
	if d.peek() == ']' {
		d.pos++
	} else {
		for {
			if isSlice {
				v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
			} else if n >= v.Len() {
				return fmt.Errorf("too many items for %s: %w", v.Type(), errSyntax)
			}
			if err := d.value(v.Index(n)); err != nil {
				return err
			}
			n++
			if d.peek() == ',' {
				d.pos++
				continue
			}
			if err := d.expect(']'); err != nil {
				return err
			}
			break
		}
	}
	if !isSlice && n != v.Len() {
		return fmt.Errorf("%d items for %s: %w", n, v.Type(), errSyntax)
	}
	return nil
}

func (d *parser) mapping(v reflect.Value) error {
	if d.peek() != '{' {
		return d.mismatch(v)
	}
	t := v.Type()
	m := reflect.MakeMap(t)
	err := d.object(func(key string) error {
		k := reflect.New(t.Key()).Elem()
		if err := setKey(k, key); err != nil {
			return err
		}
		e := reflect.New(t.Elem()).Elem()
		if err := d.value(e); err != nil {
			return err
		}
		m.SetMapIndex(k, e)
		return nil
	})
	v.Set(m)
	return err
}

// setKey sets a map key from its JSON object key.
func setKey(k reflect.Value, s string) error {
	switch k.Kind() {
	case reflect.String:
		k.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(s, 10, k.Type().Bits())
		if err != nil {
			return fmt.Errorf("map key %q: %w", s, errSyntax)
		}
		k.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u, err := strconv.ParseUint(s, 10, k.Type().Bits())
		if err != nil {
			return fmt.Errorf("map key %q: %w", s, errSyntax)
		}
		k.SetUint(u)
	default:
		return fmt.Errorf("map key of kind %s: %w", k.Kind(), errUnsupported)
	}
	return nil
}

func (d *parser) structure(v reflect.Value) error {
	if d.peek() != '{' {
		return d.mismatch(v)
	}
	t := v.Type()
	idx, ok := d.fields[t]
	if !ok {
		idx = make(map[string]int, t.NumField())
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				idx[t.Field(i).Name] = i
			}
		}
		d.fields[t] = idx
	}
	return d.object(func(name string) error {
		i, ok := idx[name]
		if !ok {
			return fmt.Errorf("%s has no field %s: %w", t, name, errSyntax)
		}
		if err := d.value(v.Field(i)); err != nil {
			return fmt.Errorf("%s.%s: %w", t, name, err)
		}
		return nil
	})
}

func (d *parser) mismatch(v reflect.Value) error {
	return fmt.Errorf("no %s here: %w", v.Type(), errSyntax)
}
