package daemon

import (
	"os"
	"time"

	"sandpiper/core/config"
	"sandpiper/core/pipeline"
)

// SettingsOf returns the daemon's settings from a configuration's
// [sandpiper] table, with this process's pid.
func SettingsOf(g config.Globals) Settings {
	return Settings{
		Globals: pipeline.Globals{
			BaseDir:        g.BaseDir,
			Hostname:       g.Hostname,
			Pid:            int32(os.Getpid()),
			MaxMessageSize: g.MaxMessageSize,
		},
		QueueSize:       g.QueueSize,
		MaxLoops:        g.MaxMessageLoops,
		ShutdownTimeout: time.Duration(g.ShutdownTimeout) * time.Second,
	}
}

// PluginConfigs returns the plugin tables of a loaded configuration as New
// takes them, their errors placed by config's Section.Errorf.
func PluginConfigs(cfg *config.Config) []PluginConfig {
	configs := make([]PluginConfig, len(cfg.Plugins))
	for i, s := range cfg.Plugins {
		configs[i] = PluginConfig{Name: s.Name, Type: s.Type, File: s.File, Dir: s.Dir, Decode: s.Decode, Errorf: s.Errorf}
	}
	return configs
}
