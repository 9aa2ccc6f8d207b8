package config_test

import (
	"fmt"

	"sandpiper/core/config"
)

// The daemon loads a directory, decodes each plugin's table into the
// options it handles and the plugin's own, then asks for the keys nobody
// took.
func ExampleLoad() {
	cfg, err := config.Load("testdata/dir")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("max_message_loops:", cfg.Globals.MaxMessageLoops)
	for _, s := range cfg.Plugins {
		var common struct {
			Decoder string `toml:"decoder"`
		}
		var output struct {
			Path string `toml:"path"`
		}
		if err := s.Decode(&common, &output); err != nil {
			fmt.Println(err)
		}
		fmt.Printf("%s (%s) from %s %q\n", s.Name, s.Type, s.File, output.Path)
	}
	fmt.Println("unknown keys:", len(cfg.Unknown()))
	// Output:
	// max_message_loops: 7
	// in_b (StdinInput) from testdata/dir/20-inputs.toml ""
	// in_a (StdinInput) from testdata/dir/20-inputs.toml ""
	// out (FileOutput) from testdata/dir/30-outputs.toml "out.log"
	// unknown keys: 0
}
