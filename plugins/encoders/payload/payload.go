// Package payload is the PayloadEncoder: the Payload of each message, as
// text, optionally after a timestamp.
package payload

import (
	"fmt"
	"strings"
	"time"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "PayloadEncoder",
		Kind:    pipeline.KindEncoder,
		Summary: "writes the Payload of each message, optionally after a timestamp",
		Config: func() any {
			return &config{AppendNewlines: true, TsFromMessage: true, TsFormat: "[2006/Jan/02:15:04:05 -0700] "}
		},
		New: newPayloadEncoder,
	})
}

type config struct {
	AppendNewlines bool   `toml:"append_newlines" doc:"Write a newline after each Payload."`
	PrefixTs       bool   `toml:"prefix_ts" doc:"Write a timestamp before each Payload."`
	TsFromMessage  bool   `toml:"ts_from_message" doc:"The prefixed timestamp is the message's Timestamp; false: the time of writing."`
	TsFormat       string `toml:"ts_format" doc:"The layout of the prefixed timestamp, in Go's reference time (Mon Jan 2 15:04:05 MST 2006), UTC."`
}

// Encoder is the PayloadEncoder.
type Encoder struct {
	cfg config
}

func newPayloadEncoder(env *pipeline.Env, c any) (any, error) {
	cfg := c.(*config)
	if cfg.PrefixTs && !strings.ContainsAny(cfg.TsFormat, "0123456789JMPZ") {
		return nil, fmt.Errorf("%s: ts_format %q: names no part of a time (see Go's time layouts)", env.Name, cfg.TsFormat)
	}
	return &Encoder{cfg: *cfg}, nil
}

// Encode appends the timestamp when prefix_ts is set, the Payload, and a
// newline when append_newlines is set.
func (e *Encoder) Encode(dst []byte, p *pipeline.Pack) ([]byte, error) {
	if e.cfg.PrefixTs {
		ts := time.Now()
		if e.cfg.TsFromMessage {
			ts = time.Unix(0, p.Message.Timestamp)
		}
		dst = ts.UTC().AppendFormat(dst, e.cfg.TsFormat)
	}
	dst = append(dst, p.Message.Payload...)
	if e.cfg.AppendNewlines {
		dst = append(dst, '\n')
	}
	return dst, nil
}
