package framing_test

import (
	"bytes"
	"fmt"
	"io"

	"sandpiper/core/framing"
)

func Example() {
	var stream bytes.Buffer
	signed, err := framing.NewWriterOptions(&stream, framing.WriterOptions{
		Signer: &framing.Signer{Name: "ops", Version: 1, Hash: framing.SHA1, Key: []byte("s3cret")},
	})
	if err != nil {
		panic(err)
	}
	if err := signed.WriteRecord([]byte("first")); err != nil {
		panic(err)
	}
	stream.WriteString("line noise")
	if err := framing.NewWriter(&stream).WriteRecord([]byte("second")); err != nil {
		panic(err)
	}

	r := framing.NewReader(&stream, framing.ReaderOptions{
		Keys: map[string][]byte{"ops_1": []byte("s3cret")},
	})
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		fmt.Printf("%q signer %q\n", rec.Message, rec.Signer)
	}
	s := r.Stats()
	fmt.Printf("%d records, %d bytes skipped\n", s.Records, s.BytesSkipped)
	// Output:
	// "first" signer "ops"
	// "second" signer ""
	// 2 records, 10 bytes skipped
}

func ExampleDrop() {
	var stream bytes.Buffer
	w, err := framing.NewWriterOptions(&stream, framing.WriterOptions{
		Signer: &framing.Signer{Name: "ops", Version: 2, Hash: framing.MD5, Key: []byte("new key")},
	})
	if err != nil {
		panic(err)
	}
	if err := w.WriteRecord([]byte("message")); err != nil {
		panic(err)
	}

	r := framing.NewReader(&stream, framing.ReaderOptions{
		Keys: map[string][]byte{"ops_1": []byte("old key")},
	})
	_, err = r.Next()
	fmt.Println(err)
	fmt.Println(r.Stats().LastDrop)
	// Output:
	// EOF
	// unknown signer "ops" key version 2 (no key "ops_2")
}
