package pipeline

import (
	"fmt"
	"sort"
	"sync"

	"sandpiper/core/message"
)

// Kind is one of the six kinds of plugin.
type Kind int

// The kinds of plugin, in the order of a message's way through the daemon.
const (
	KindInput Kind = iota
	KindSplitter
	KindDecoder
	KindFilter
	KindEncoder
	KindOutput
)

var kindNames = [...]string{"input", "splitter", "decoder", "filter", "encoder", "output"}

// String returns the kind's name in lower case ("decoder").
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Globals are the daemon-wide options of the [sandpiper] table that plugins
// need.
type Globals struct {
	// BaseDir is where plugins keep state across restarts: journals of
	// file offsets, preserved sandbox data (base_dir).
	BaseDir string
	// Hostname is the host name stamped on the messages the daemon makes.
	Hostname string
	// Pid is the daemon's process id, the Pid of the messages it makes.
	Pid int32
	// MaxMessageSize is the largest message, in bytes, the daemon reads
	// or writes (max_message_size).
	MaxMessageSize int
}

// Env is what a plugin is built with: its identity, the daemon's globals and
// access to the rest of the configuration.
type Env struct {
	Name    string // the plugin's name, [name] of its table
	Type    string // its type name, as registered
	Globals Globals
	// ConfigDir is the directory of the file that holds the plugin's
	// table: relative paths in its options are relative to it.
	ConfigDir string
	// Check is set when the plugin is built by `sandpiper check`: it must
	// validate its options and discard itself, restoring or writing no
	// state.
	Check bool
	// Logf writes a line to the daemon's log, prefixed with the plugin's name.
	Logf func(format string, args ...any)
	// Splitter, Decoder and Encoder return the plugin of that kind
	// configured under name (the value of an option such as decoder =
	// "nginx_decoder"), built on first use; the error names the plugin
	// asked for and why it cannot be had.
	Splitter func(name string) (Splitter, error)
	Decoder  func(name string) (Decoder, error)
	Encoder  func(name string) (Encoder, error)
	// Inject, for filters, routes m as a message injected by this plugin:
	// to every other plugin whose matcher selects it. Safe for concurrent
	// use; it blocks while a full queue with the block policy is in the way.
	Inject func(m *message.Message) error
}

// Registration declares a plugin type.
type Registration struct {
	// Type is the name configurations use in type = "...".
	Type string
	Kind Kind
	// Summary is one line for the documentation and `sandpiper check`.
	Summary string
	// Config returns a pointer to a new struct of the plugin's options,
	// holding their defaults. Its fields' toml tags name the options, and
	// their doc tags describe them for the documentation; a field without a
	// toml tag is not an option.
	Config func() any
	// New builds the plugin from its options (the pointer Config returned,
	// decoded), validating them. It returns a value of the interface of
	// its Kind: Input, Splitter, Decoder, Filter, Encoder or Output.
	New func(env *Env, config any) (any, error)

	// The defaults of the options the daemon handles for every plugin of
	// a kind. DefaultSplitter (inputs) is the type of the splitter used,
	// with its default options, when the input's splitter option names
	// none (default: lines); DefaultDecoder likewise (default: each record
	// the Payload of a message). DefaultEncoder (outputs) is the encoder's
	// type (default: ProtobufEncoder), and DefaultFraming the default of
	// use_framing.
	DefaultSplitter string
	DefaultDecoder  string
	DefaultEncoder  string
	DefaultFraming  bool
	// OwnFraming (outputs) says the output writes Heka's stream framing
	// itself, to sign its records: OutputRunner.Encode then never frames,
	// and use_framing = false is an error.
	OwnFraming bool
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Registration{}
)

// Register makes a plugin type known by its name. It panics when the name
// is taken or the registration is incomplete: both are programming errors,
// found when the binary starts.
func Register(r Registration) {
	if r.Type == "" || r.Config == nil || r.New == nil || r.Kind < KindInput || r.Kind > KindOutput {
		panic(fmt.Sprintf("pipeline: incomplete registration of plugin type %q", r.Type))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, taken := registry[r.Type]; taken {
		panic(fmt.Sprintf("pipeline: plugin type %q registered twice", r.Type))
	}
	registry[r.Type] = r
}

// Lookup returns the registration of a plugin type.
func Lookup(typ string) (Registration, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	r, ok := registry[typ]
	return r, ok
}

// Registered returns every registration, ordered by kind, then type name.
func Registered() []Registration {
	registryMu.RLock()
	defer registryMu.RUnlock()
	all := make([]Registration, 0, len(registry))
	for _, r := range registry {
		all = append(all, r)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Kind != all[j].Kind {
			return all[i].Kind < all[j].Kind
		}
		return all[i].Type < all[j].Type
	})
	return all
}
