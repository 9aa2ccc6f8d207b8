package config

import (
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
)

// typeTakes reports whether t has a place for the key at path: a field, a
// map entry, or a free-form value above it.
func typeTakes(t reflect.Type, path []string) bool {
	for _, k := range path {
		t = elemType(t)
		if reflect.PointerTo(t).Implements(unmarshalerType) {
			return true
		}
		switch t.Kind() {
		case reflect.Interface:
			return true
		case reflect.Struct:
			f, ok := fieldFor(t, k)
			if !ok {
				return false
			}
			t = f.Type
		case reflect.Map:
			t = t.Elem()
		default:
			return false
		}
	}
	return true
}

// elemType removes pointers, and slices and arrays, whose elements take the
// keys of an array of tables.
func elemType(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			t = t.Elem()
		default:
			return t
		}
	}
}

// typeAt returns the type that takes the key at path, if one does.
func typeAt(t reflect.Type, path []string) (reflect.Type, bool) {
	for _, k := range path {
		t = elemType(t)
		switch t.Kind() {
		case reflect.Struct:
			f, ok := fieldFor(t, k)
			if !ok {
				return nil, false
			}
			t = f.Type
		case reflect.Map:
			t = t.Elem()
		default:
			return nil, false
		}
	}
	return elemType(t), true
}

// tomlField is a key a struct takes and the field that takes it.
type tomlField struct {
	name  string
	field reflect.StructField
}

// tomlFields returns the keys a struct takes, as BurntSushi/toml reads them:
// exported fields named by their toml tag or their name, except those
// tagged "-", and the fields of embedded structs without a tag.
func tomlFields(t reflect.Type) []tomlField {
	var fields []tomlField
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("toml")
		if tag == "-" || (!sf.IsExported() && !sf.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if ft.Kind() == reflect.Pointer && ft.Name() == "" {
			ft = ft.Elem()
		}
		if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
			fields = append(fields, tomlFields(ft)...)
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields = append(fields, tomlField{name, sf})
	}
	return fields
}

// fieldFor returns the field of struct t that takes key: the one named
// exactly so, else one named so in another case.
func fieldFor(t reflect.Type, key string) (reflect.StructField, bool) {
	var folded *reflect.StructField
	for _, f := range tomlFields(t) {
		if f.name == key {
			return f.field, true
		}
		if folded == nil && strings.EqualFold(f.name, key) {
			folded = &f.field
		}
	}
	if folded != nil {
		return *folded, true
	}
	return reflect.StructField{}, false
}

var unmarshalerType = reflect.TypeFor[toml.Unmarshaler]()
