package tests

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"sandpiper/core/framing"
)

// The protoc fixture: testdata/protoc/message.pb is message.txtpb encoded by
// protoc 3.21 from Heka's message.proto:
//
//	protoc --proto_path=core/message/internal/refpb --encode=message.Message message.proto \
//	    < tests/testdata/protoc/message.txtpb > tests/testdata/protoc/message.pb
//
// and message.jsonl is its JSON form.
const (
	protocBytes = "testdata/protoc/message.pb"
	protocJSON  = "testdata/protoc/message.jsonl"
)

// TestCatReadsWhatProtocWrote frames protoc's bytes and checks that cat
// reads them as the JSON form says.
func TestCatReadsWhatProtocWrote(t *testing.T) {
	var stream bytes.Buffer
	if err := framing.NewWriter(&stream).WriteRecord(readFile(t, protocBytes)); err != nil {
		t.Fatal(err)
	}
	r := run(t, stream.Bytes(), "cat")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if *update {
		if err := os.WriteFile(protocJSON, r.stdout, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readFile(t, protocJSON); !bytes.Equal(r.stdout, want) {
		t.Errorf("cat of protoc's message:\n%s\nwant\n%s", r.stdout, want)
	}
}

// TestCatWritesWhatProtocWrote converts the JSON form to a Heka stream and
// checks that the message inside is, byte for byte, what protoc encoded.
func TestCatWritesWhatProtocWrote(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "cat", "-input", "json", "-format", "framed", protocJSON)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	fr := framing.NewReader(bytes.NewReader(r.stdout), framing.ReaderOptions{})
	rec, err := fr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if want := readFile(t, protocBytes); !bytes.Equal(rec.Message, want) {
		name := filepath.Join(dir, "sandpiper.pb")
		os.WriteFile(name, rec.Message, 0o644)
		t.Errorf("the framed message differs from protoc's encoding (ours in %s)", name)
	}
	if _, err := fr.Next(); err != io.EOF {
		t.Errorf("more than one record: %v", err)
	}
}
