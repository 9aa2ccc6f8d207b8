// Package config loads Sandpiper's TOML configuration: one [name] table per
// plugin, the daemon's options in [sandpiper] (or Heka's [hekad]), %ENV[VAR]
// substitution, and a directory of *.toml files merged in name order.
//
// Load parses the files and decodes the globals; the daemon then decodes
// each plugin's table with Section.Decode into the structs that take its
// options, and asks Config.Unknown for the keys that none of them took.
// Every step reports all the problems it finds, each placed at its file,
// line, table and key, so that `sandpiper check` can list them at once.
// The user's reference is docs/configuration.md.
package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// Config is a loaded configuration.
type Config struct {
	// Globals holds the options of [sandpiper] (or [hekad]), defaults
	// filled in.
	Globals Globals
	// Plugins holds every other table, in the order of the files (by name)
	// and of the tables within a file.
	Plugins []*Section
}

// file is one parsed configuration file, shared by the sections it holds.
type file struct {
	path string
	text string // after %ENV substitution: what the parser read
	// mu guards md, whose decoding records which keys were taken and is
	// not safe for concurrent use.
	mu sync.Mutex
	md toml.MetaData

	// index holds the lines of the keys and tables written plainly, found
	// in one pass on the first error (line.go).
	indexOnce sync.Once
	index     map[string]int
}

// globalTables are the names of the daemon's own table: Sandpiper's and
// Heka's.
var globalTables = []string{"sandpiper", "hekad"}

// Load reads the configuration at path: a .toml file, or a directory whose
// *.toml files (not those of its subdirectories, nor names starting with a
// dot) are read in name order. It returns every problem it finds in an
// Errors, going on past each to the next file or table, and always returns
// the Config it could build, so that a checker can go on to decode the
// plugins it holds.
func Load(path string) (*Config, error) {
	var errs Errors
	c := &Config{}
	paths, err := configFiles(path)
	if err != nil {
		errs.add(err)
	}
	var global *Section
	byName := map[string]*Section{}
	for _, p := range paths {
		sections, err := readFile(p)
		errs.add(err)
		for _, s := range sections {
			if slices.Contains(globalTables, s.Name) {
				if global != nil {
					errs.add(s.errorAt(nil, "the daemon's options are already given in "+global.where()+"; give them in one table of one file"))
					continue
				}
				global = s
				continue
			}
			if first, dup := byName[s.Name]; dup {
				errs.add(s.errorAt(nil, "plugin name already used by the table in "+first.where()))
				continue
			}
			byName[s.Name] = s
			c.Plugins = append(c.Plugins, s)
		}
	}
	g, err := decodeGlobals(global)
	errs.add(err)
	c.Globals = g
	sortErrors(errs, paths)
	return c, errs.orNil()
}

// Unknown returns an error for each key of a plugin's table that no struct
// given to its Decode took, once every section was decoded. Keys under a
// field of type any or map[string]any (such as [name.config]) are free-form
// and never unknown, and so is type. A section never decoded is skipped:
// its plugin type is unknown, which the caller has already reported.
func (c *Config) Unknown() Errors {
	var errs Errors
	for _, s := range c.Plugins {
		errs = append(errs, s.unknown(nil)...)
	}
	return errs
}

// configFiles returns the files that make up the configuration at path.
func configFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: path, Msg: reason(err)}
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, &Error{File: path, Msg: reason(err)}
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || filepath.Ext(name) != ".toml" {
			continue
		}
		files = append(files, filepath.Join(path, name))
	}
	if len(files) == 0 {
		return nil, &Error{File: path, Msg: "no *.toml file in this directory"}
	}
	return files, nil
}

// reason returns what went wrong with a file, without the path that the
// Error around it names already.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// readFile parses one file into its top-level tables, in the order they
// first appear.
func readFile(path string) ([]*Section, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: reason(err)}
	}
	text, err := substituteEnv(path, string(data))
	if err != nil {
		// Parsing with the variables left empty would report errors the
		// user did not make.
		return nil, err
	}
	f := &file{path: path, text: text}
	var top map[string]toml.Primitive
	md, err := toml.Decode(text, &top)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: path, Line: pe.Position.Line, Col: pe.Position.Col, Msg: "invalid TOML: " + pe.Message}
		}
		return nil, &Error{File: path, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
	}
	f.md = md

	var errs Errors
	var sections []*Section
	seen := map[string]bool{}
	for _, k := range md.Keys() {
		name := k[0]
		if seen[name] {
			continue
		}
		seen[name] = true
		s := &Section{Name: name, File: path, Dir: filepath.Dir(path), f: f, prim: top[name]}
		// Decoding into an interface marks no key as taken, so the raw
		// values cost Unknown nothing.
		var raw any
		if err := md.PrimitiveDecode(top[name], &raw); err != nil {
			errs.add(s.errorAt(nil, strings.TrimPrefix(err.Error(), "toml: ")))
			continue
		}
		switch v := raw.(type) {
		case map[string]any:
			s.raw = v
		case []map[string]any:
			errs.add(s.errorAt(nil, "[["+name+"]] is an array of tables: a plugin is one ["+name+"] table"))
			continue
		default:
			errs.add(&Error{File: path, Line: f.line([]string{name}), Key: name,
				Msg: "key " + strconv.Quote(name) + " is outside any table: options belong under the [name] table of their plugin or under [sandpiper]"})
			continue
		}
		if err := s.setType(); err != nil {
			errs.add(err)
			continue
		}
		sections = append(sections, s)
	}
	return sections, errs.orNil()
}

// envRef is Heka's syntax for an environment variable in a configuration.
var envRef = regexp.MustCompile(`%ENV\[(\w+)\]`)

// substituteEnv replaces each %ENV[VAR] of text by the variable's value. An
// unset variable is an error: Heka put "" in its place, which turns a
// forgotten export into a plugin quietly configured with nothing.
func substituteEnv(path, text string) (string, error) {
	refs := envRef.FindAllStringSubmatchIndex(text, -1)
	if refs == nil {
		return text, nil
	}
	var errs Errors
	var b strings.Builder
	last := 0
	for _, r := range refs {
		name := text[r[2]:r[3]]
		value, ok := os.LookupEnv(name)
		if !ok {
			line := 1 + strings.Count(text[:r[0]], "\n")
			errs.add(&Error{File: path, Line: line, Msg: "%ENV[" + name + "]: environment variable " + name + " is not set"})
			continue
		}
		b.WriteString(text[last:r[0]])
		b.WriteString(value)
		last = r[1]
	}
	if len(errs) > 0 {
		return "", errs
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

// sortErrors orders errors by file, in the order of files (errors about
// no file of it first), then by line, keeping the order of those on the
// same line.
func sortErrors(errs Errors, files []string) {
	rank := func(e error) (int, int) {
		var ce *Error
		if !errors.As(e, &ce) {
			return -1, 0
		}
		return slices.Index(files, ce.File), ce.Line
	}
	sort.SliceStable(errs, func(i, j int) bool {
		fi, li := rank(errs[i])
		fj, lj := rank(errs[j])
		return fi < fj || fi == fj && li < lj
	})
}
