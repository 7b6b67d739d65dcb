package tfplan

import (
	"math/rand"
	"testing"
)

func TestClassify64(t *testing.T) {
	if !haveClassify64 {
		t.Skip("no AVX2 on this CPU")
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("\"\\{}[]az 0,:\x7b\x5b\x7d\x5d\xfb\xdb")
	for round := 0; round < 10000; round++ {
		var b [64]byte
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
			if rng.Intn(4) == 0 {
				b[i] = byte(rng.Intn(256))
			}
		}
		q, bs, op, cl := classify64(&b[0])
		var wq, wbs, wop, wcl uint64
		for i, c := range b {
			switch c {
			case '"':
				wq |= 1 << i
			case '\\':
				wbs |= 1 << i
			case '{', '[':
				wop |= 1 << i
			case '}', ']':
				wcl |= 1 << i
			}
		}
		if q != wq || bs != wbs || op != wop || cl != wcl {
			t.Fatalf("classify64(%q) = %x %x %x %x, want %x %x %x %x", b, q, bs, op, cl, wq, wbs, wop, wcl)
		}
	}
}
