package tfplan

import (
	"encoding/binary"
	"math/bits"
)

// The validated mode of the JSON engine (json.go): walking values that were
// already validated. ParsePlan validates the whole document once; afterwards
// rules read attributes out of the same bytes many times (every lookup walks
// the value and its unknown and sensitive marks), so these walkers only find
// boundaries: strings by their closing quote, containers by depth, scalars by
// the next delimiter. They never report errors and give reliable answers only
// on bytes the scanner has accepted.

// skipSpace returns the first position at or after i that is not JSON
// whitespace.
func skipSpace(d []byte, i int) int {
	for i < len(d) && isSpace[d[i]] {
		i++
	}
	return i
}

// skipString returns the position after the string whose opening quote is at
// i, and whether the string holds escapes.
func skipString(d []byte, i int) (end int, escaped bool) {
	i++
	for {
		for i+8 <= len(d) {
			w := binary.LittleEndian.Uint64(d[i:])
			if m := swarEq(w, '"') | swarEq(w, '\\'); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(d) && d[i] != '"' && d[i] != '\\' {
			i++
		}
		if i >= len(d) {
			return len(d), escaped
		}
		if d[i] == '"' {
			return i + 1, escaped
		}
		escaped = true
		i += 2 // the backslash and the byte it escapes
	}
}

// skipStringBody returns the position after the closing quote of a string
// whose contents start at i.
func skipStringBody(d []byte, i int) int {
	end, _ := skipString(d, i-1)
	return end
}

// skipContainer returns the position after the object or array that opens
// at i, or (position, false) once it has passed stop. On CPUs with AVX2 it
// looks at 64 bytes at a time (simdjson's idea): the vector classifier flags
// quotes, backslashes and brackets; quotes that a backslash escapes are
// dropped, every other quote opens or closes a string, so a prefix XOR of
// the quote bits marks the bytes inside strings, the brackets outside them
// change the depth, and only a block that may bring the depth to zero is
// looked at bit by bit.
func skipContainer(d []byte, i, stop int) (int, bool) {
	if !haveClassify64 || len(d)-i < 128 {
		return skipContainerScalar(d, i, stop)
	}
	var st skipState
	pos := i
	for ; pos+64 <= len(d); pos += 64 {
		if pos > stop {
			return pos, false
		}
		quote, backslash, open, close := classify64(&d[pos])
		if backslash != 0 || st.escaped {
			quote &^= st.escapedBytes(backslash)
		}
		inString := prefixXor(quote)
		if st.inString {
			inString = ^inString
		}
		open &^= inString
		close &^= inString
		st.inString = inString>>63 != 0
		if n := bits.OnesCount64(close); n < st.depth {
			st.depth += bits.OnesCount64(open) - n // the depth cannot reach zero here
			continue
		}
		for m := open | close; m != 0; m &= m - 1 {
			b := bits.TrailingZeros64(m)
			if open>>b&1 != 0 {
				st.depth++
				continue
			}
			st.depth--
			if st.depth == 0 {
				return pos + b + 1, true
			}
		}
	}
	if end := st.walk(d, pos, len(d)); end >= 0 {
		return end, true
	}
	return len(d), true
}

// skipState is where skipContainer stands between blocks.
type skipState struct {
	depth    int
	inString bool
	// escaped: the next byte is escaped (it follows an odd run of backslashes).
	escaped bool
}

// escapedBytes returns the bytes of a block that a backslash escapes: those
// after a run of backslashes of odd length, counting a run carried over from
// the previous block (simdjson's find_escaped).
func (st *skipState) escapedBytes(backslash uint64) uint64 {
	const evenBits = 0x5555555555555555
	var carried uint64
	if st.escaped {
		carried = 1
	}
	backslash &^= carried // an escaped backslash starts nothing
	followsEscape := backslash<<1 | carried
	oddStarts := backslash &^ evenBits &^ followsEscape
	startsOnEven, overflow := bits.Add64(oddStarts, backslash, 0)
	st.escaped = overflow != 0
	return (evenBits ^ startsOnEven<<1) & followsEscape
}

// walk goes through d[from:to] byte by byte and returns the position after
// the bracket that brings the depth to zero, or -1.
func (st *skipState) walk(d []byte, from, to int) int {
	for k := from; k < to; k++ {
		c := d[k]
		if st.inString {
			switch {
			case st.escaped:
				st.escaped = false
			case c == '\\':
				st.escaped = true
			case c == '"':
				st.inString = false
			}
			continue
		}
		switch c {
		case '"':
			st.inString = true
		case '{', '[':
			st.depth++
		case '}', ']':
			st.depth--
			if st.depth == 0 {
				return k + 1
			}
		}
	}
	return -1
}

// prefixXor sets each bit to the XOR of itself and every lower bit: for
// quote bits, the bits from an opening quote up to (not including) its
// closing quote.
func prefixXor(x uint64) uint64 {
	x ^= x << 1
	x ^= x << 2
	x ^= x << 4
	x ^= x << 8
	x ^= x << 16
	x ^= x << 32
	return x
}

// skipContainerScalar is skipContainer eight bytes at a time, for short
// values and CPUs without the vector classifier: outside strings only quotes
// and brackets matter, inside only the closing quote and backslashes.
func skipContainerScalar(d []byte, i, stop int) (int, bool) {
	depth := 0
	for {
		// Outside a string: find the next quote or bracket.
		for i+8 <= len(d) {
			w := binary.LittleEndian.Uint64(d[i:])
			if m := swarEq(w, '"') | swarEq(w, '{') | swarEq(w, '}') | swarEq(w, '[') | swarEq(w, ']'); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(d) && !containerByte[d[i]] {
			i++
		}
		if i >= len(d) {
			return i, true
		}
		if i > stop {
			return i, false
		}
		switch d[i] {
		case '"':
			i = skipStringBody(d, i+1)
			continue
		case '{', '[':
			depth++
		default: // '}' or ']'
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
		i++
	}
}

// containerByte marks the bytes skipContainer stops at.
var containerByte = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// swarEq flags (in its high bit) the lowest byte of w equal to c exactly;
// bytes above it may be flagged wrongly by borrows, so callers use only the
// lowest flag.
func swarEq(w uint64, c byte) uint64 {
	x := w ^ (swarOnes * uint64(c))
	return (x - swarOnes) &^ x & swarHighs
}

// skipValue returns the position after the value that starts at i (after
// any whitespace).
func skipValue(d []byte, i int) int {
	end, _ := skipValueWithin(d, i, len(d))
	return end
}

// skipValueWithin is skipValue that gives up (ok false) on an object or
// array that runs on past limit bytes from its start.
func skipValueWithin(d []byte, i, limit int) (end int, ok bool) {
	i = skipSpace(d, i)
	if i >= len(d) {
		return i, true
	}
	switch d[i] {
	case '"':
		end, _ := skipString(d, i)
		return end, true
	case '{', '[':
		stop := i + limit
		if limit > len(d)-i {
			stop = len(d)
		}
		return skipContainer(d, i, stop)
	}
	for i < len(d) {
		switch d[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i, true
		}
		i++
	}
	return i, true
}

// span is a byte range of a value being walked: raw[start:end].
type span struct{ start, end int }

// cursor steps through the members of a validated object or the elements of
// a validated array: the loop of every reader in validated mode (rawIndex,
// rawMembers, rawElements, decodeValidated, the top-level index), so that
// separators, keys and values are found in one place. Its steps are direct
// calls rather than callbacks, and member and nextElement take a whole step
// in one call (member repeats key's lines rather than calling it): a key and
// a skip as two calls cost 1.6 % more instructions of a whole check
// (cachegrind, bench/gen's real shape at 20,000 resource changes). rawFind,
// the hottest reader, writes member's step out (see there).
type cursor struct {
	raw []byte
	// pos is where the next member's key or the next element starts, or the
	// closing bracket once the container has no more.
	pos int
}

// openCursor starts a cursor on the container whose opening bracket is at i.
func openCursor(raw []byte, i int) cursor { return cursor{raw: raw, pos: skipSpace(raw, i+1)} }

// objectCursor starts a cursor on the object at the start of raw; it has no
// members when raw holds another value.
func objectCursor(raw []byte) cursor { return containerCursor(raw, '{') }

// arrayCursor starts a cursor on the array at the start of raw; it has no
// elements when raw holds another value.
func arrayCursor(raw []byte) cursor { return containerCursor(raw, '[') }

func containerCursor(raw []byte, open byte) cursor {
	if i := skipSpace(raw, 0); i < len(raw) && raw[i] == open {
		return openCursor(raw, i)
	}
	return cursor{raw: raw, pos: len(raw)}
}

// key reads the next member's key (its range between the quotes) and moves
// to the member's value; ok is false at the end of the object.
func (c *cursor) key() (key span, escaped bool, ok bool) {
	raw, i := c.raw, c.pos
	if i >= len(raw) || raw[i] != '"' {
		return span{}, false, false // '}' or the end
	}
	end, escaped := skipString(raw, i)
	c.pos = skipSpace(raw, skipSpace(raw, end)+1) // past ':'
	return span{i + 1, end - 1}, escaped, true
}

// member reads the next member: its key's range between the quotes and its
// value's range, the cursor moved past the separator after it; ok is false at
// the end of the object.
func (c *cursor) member() (key span, escaped bool, value span, ok bool) {
	raw, i := c.raw, c.pos
	if i >= len(raw) || raw[i] != '"' {
		return span{}, false, span{}, false // '}' or the end
	}
	keyEnd, escaped := skipString(raw, i)
	start := skipSpace(raw, skipSpace(raw, keyEnd)+1) // past ':'
	end := skipValue(raw, start)
	c.next(end)
	return span{i + 1, keyEnd - 1}, escaped, span{start, end}, true
}

// element reports whether an element starts at the cursor; false at the end
// of the array.
func (c *cursor) element() bool { return c.pos < len(c.raw) && c.raw[c.pos] != ']' }

// nextElement reads the next element's range, the cursor moved past the
// separator after it; ok is false at the end of the array.
func (c *cursor) nextElement() (value span, ok bool) {
	if !c.element() {
		return span{}, false
	}
	start := c.pos
	end := skipValue(c.raw, start)
	c.next(end)
	return span{start, end}, true
}

// next moves past the separator after a value the caller read itself, which
// ends at end.
func (c *cursor) next(end int) {
	i := skipSpace(c.raw, end)
	if i < len(c.raw) && c.raw[i] == ',' {
		i = skipSpace(c.raw, i+1)
	}
	c.pos = i
}

// rawMembers calls member with the ranges of each key (between its quotes)
// and value of the validated object at the start of raw, until member
// returns false.
func rawMembers(raw []byte, member func(key span, escaped bool, value span) bool) {
	for c := objectCursor(raw); ; {
		key, escaped, value, ok := c.member()
		if !ok || !member(key, escaped, value) {
			return
		}
	}
}

// rawElements calls element with each element of the validated array raw.
func rawElements(raw []byte, element func(value []byte)) {
	for c := arrayCursor(raw); ; {
		v, ok := c.nextElement()
		if !ok {
			return
		}
		element(raw[v.start:v.end])
	}
}
