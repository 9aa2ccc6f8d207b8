package pipeline

import (
	"testing"

	"sandpiper/core/message"
)

func TestPackReleaseReturnsTheMessageOnce(t *testing.T) {
	m := message.New(1)
	m.Payload = "kept"
	p := &Pack{Message: m, Raw: []byte("raw")}
	p.Hold(3)
	p.Release()
	p.Release()
	if p.Message != m || p.Raw == nil {
		t.Fatal("the message left the pack while it had holders")
	}
	p.Release()
	if p.Message != nil || p.Raw != nil {
		t.Fatal("the last release kept the message in the pack")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("releasing a pack more often than it was held did not panic")
		}
	}()
	p.Release()
}

func TestNewMessageIsEmpty(t *testing.T) {
	for i := 0; i < 100; i++ {
		m := NewMessage()
		if m.Payload != "" || len(m.Fields) != 0 || m.Severity != message.DefaultSeverity || m.Type != "" {
			t.Fatalf("NewMessage returned %+v", m)
		}
		m.Payload, m.Type = "x", "y"
		m.NewField("f", message.String).Strings = []string{"v"}
		p := &Pack{Message: m}
		p.Hold(1)
		p.Release()
	}
}
