package tfplan

// One JSON engine, two modes: validate once, then walk validated bytes.
//
// A plan runs to tens of megabytes and rules read a few attributes of each
// resource, so the document is never decoded into maps: the scanner validates
// all of it once, the plan keeps sub-slices of what rules read (each change's
// before, after and marks, each configuration resource's expressions), and
// attributes are then found in those bytes by walkers that trust them.
//
// Validating mode (jsonscan.go) is the methods of *scanner. Each checks what
// it passes as encoding/json would and fails with an error at a byte offset:
// *syntaxError, *limitError (past MaxPlanDepth, and the plan's own bounds),
// *fieldTypeError (a known field of the wrong type); describeJSONError turns
// them into "line L, column C" messages.
//
//	validate             validate and skip one value, returning its bytes
//	                     (iterative, with a stack of open containers: most of
//	                     a plan is skipped through it)
//	object, array        walk a container, handing each member's key or each
//	                     element to a callback that must consume its value
//	memberKey            read `"key":` inside an object, for a caller that
//	                     walks on its own (a splitter worker continuing a run)
//	stringValue, boolValue, arrayOf, countElements
//	                     read a value of a known type, naming the field on error
//	str, number, literal the tokens
//
// Validated mode (rawwalk.go, and the readers in jsonscan.go and value.go) is
// free functions over a byte slice, which they take as their first argument.
// They never report errors, and their answers hold only for bytes the scanner
// accepted. The skip* functions alone also stay within the slice and end on
// any bytes, which is what lets the splitter use them before validation.
//
//	skipSpace, skipString, skipValue
//	                     the position after whitespace, a string, a value
//	skipContainer        the position after an object or array (64 bytes at a
//	                     time with AVX2, classify_amd64.s; else eight)
//	skipValueWithin      skipValue that gives up on a container longer than a
//	                     limit (the splitter)
//	cursor               steps through an object's members or an array's
//	                     elements; rawMembers, rawElements, rawIndex,
//	                     rawMember, decodeValidated and the top-level index
//	                     (topIndex) are built on it, and rawFind writes its
//	                     step out for speed
//	rawFind, rawIndex, rawMember
//	                     one path step into a value: a key (into the first
//	                     element of a list), an index
//	decodeRaw            a value as encoding/json decodes into any
//	rawIsNull, rawIsTrue, mayHoldKey
//	                     the quick tests lookups make
//
// Both modes share unquote, keyBytes and keyIs for string contents.
//
// One user of both: the parallel splitter (parallelparse.go) walks the
// document's structure in validating mode (object, array, the keys and
// separators between values) and jumps over the values with skipValueWithin,
// on bytes not yet validated. That jump is only a guess at where a run of
// values ends: each worker validates its run in validating mode and must end
// exactly where the splitter said, and any disagreement or error sends the
// whole document through the one-core parser.
