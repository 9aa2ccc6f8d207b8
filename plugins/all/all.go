// Package all registers every plugin type of Sandpiper: importing it for its
// side effects makes them all known to the daemon by name. A new plugin adds
// its folder under plugins/ and one line here.
package all

import (
	_ "sandpiper/plugins/decoders/json"
	_ "sandpiper/plugins/decoders/payloadregex"
	_ "sandpiper/plugins/decoders/protobuf"
	_ "sandpiper/plugins/decoders/sandbox"
	_ "sandpiper/plugins/encoders/json"
	_ "sandpiper/plugins/encoders/payload"
	_ "sandpiper/plugins/encoders/protobuf"
	_ "sandpiper/plugins/encoders/text"
	_ "sandpiper/plugins/filters/counter"
	_ "sandpiper/plugins/filters/sandbox"
	_ "sandpiper/plugins/inputs/logstreamer"
	_ "sandpiper/plugins/inputs/stdin"
	_ "sandpiper/plugins/inputs/tcp"
	_ "sandpiper/plugins/inputs/udp"
	_ "sandpiper/plugins/outputs/file"
	_ "sandpiper/plugins/outputs/log"
	_ "sandpiper/plugins/outputs/tcp"
	_ "sandpiper/plugins/splitters/framing"
	_ "sandpiper/plugins/splitters/null"
	_ "sandpiper/plugins/splitters/regex"
	_ "sandpiper/plugins/splitters/token"
)
