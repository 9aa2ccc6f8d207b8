package budget

import (
	"errors"
	"testing"
)

func TestFixed(t *testing.T) {
	b := &Fixed{StepsLeft: 10, BytesLeft: 100}
	if err := b.Steps(10); err != nil {
		t.Fatalf("Steps(10) of 10: %v", err)
	}
	if err := b.Steps(1); !errors.Is(err, ErrInstructions) {
		t.Fatalf("Steps past the total: %v, want ErrInstructions", err)
	}
	if err := b.Alloc(60); err != nil {
		t.Fatalf("Alloc(60) of 100: %v", err)
	}
	if err := b.Alloc(41); !errors.Is(err, ErrMemory) {
		t.Fatalf("Alloc(41) with 40 left: %v, want ErrMemory", err)
	}
	if err := b.Alloc(40); err != nil {
		t.Fatalf("a refused Alloc must not use up the budget: %v", err)
	}
	var zero Fixed
	if zero.Steps(1) == nil || zero.Alloc(1) == nil {
		t.Error("the zero Fixed accepted work")
	}
}

func TestUnlimited(t *testing.T) {
	if Unlimited.Steps(1<<62) != nil || Unlimited.Alloc(1<<62) != nil {
		t.Error("Unlimited refused")
	}
}
