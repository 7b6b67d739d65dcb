package tfplan

import "golang.org/x/sys/cpu"

// haveClassify64 says whether classify64 may be called on this CPU.
var haveClassify64 = cpu.X86.HasAVX2

// classify64 flags the quotes, backslashes, opening and closing brackets of
// the 64 bytes at p, one bit per byte (classify_amd64.s).
//
//go:noescape
func classify64(p *byte) (quote, backslash, open, close uint64)
