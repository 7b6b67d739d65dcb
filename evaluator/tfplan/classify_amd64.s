#include "textflag.h"

DATA quoteByte<>+0(SB)/1, $0x22
GLOBL quoteByte<>(SB), RODATA|NOPTR, $1
DATA backslashByte<>+0(SB)/1, $0x5C
GLOBL backslashByte<>(SB), RODATA|NOPTR, $1
DATA caseBit<>+0(SB)/1, $0x20
GLOBL caseBit<>(SB), RODATA|NOPTR, $1
DATA openByte<>+0(SB)/1, $0x7B
GLOBL openByte<>(SB), RODATA|NOPTR, $1
DATA closeByte<>+0(SB)/1, $0x7D
GLOBL closeByte<>(SB), RODATA|NOPTR, $1

// func classify64(p *byte) (quote, backslash, open, close uint64)
//
// Flags, one bit per byte of the 64 bytes at p (bit k for p[k]), the quotes,
// backslashes, opening brackets ('{' and '[') and closing brackets ('}' and
// ']'). A byte ORed with 0x20 is '{' (0x7B) only for '[' and '{', and '}'
// (0x7D) only for ']' and '}', so two comparisons find all four brackets.
// Requires AVX2.
TEXT ·classify64(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	// Constants come from memory with VEX-encoded loads: moving them through
	// general registers with SSE MOVQ next to AVX instructions costs
	// hundreds of cycles per transition on some CPUs.
	VPBROADCASTB quoteByte<>(SB), Y8
	VPBROADCASTB backslashByte<>(SB), Y9
	VPBROADCASTB caseBit<>(SB), Y10
	VPBROADCASTB openByte<>(SB), Y11
	VPBROADCASTB closeByte<>(SB), Y12

	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1

	VPCMPEQB Y8, Y0, Y2
	VPMOVMSKB Y2, AX
	VPCMPEQB Y8, Y1, Y2
	VPMOVMSKB Y2, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, quote+8(FP)

	VPCMPEQB Y9, Y0, Y2
	VPMOVMSKB Y2, AX
	VPCMPEQB Y9, Y1, Y2
	VPMOVMSKB Y2, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, backslash+16(FP)

	VPOR Y10, Y0, Y0
	VPOR Y10, Y1, Y1

	VPCMPEQB Y11, Y0, Y2
	VPMOVMSKB Y2, AX
	VPCMPEQB Y11, Y1, Y2
	VPMOVMSKB Y2, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, open+24(FP)

	VPCMPEQB Y12, Y0, Y2
	VPMOVMSKB Y2, AX
	VPCMPEQB Y12, Y1, Y2
	VPMOVMSKB Y2, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, close+32(FP)

	VZEROUPPER
	RET
