//go:build !amd64

package tfplan

// haveClassify64 is false where there is no vector classifier; skipping
// then looks at eight bytes at a time (skipContainerScalar).
const haveClassify64 = false

func classify64(*byte) (quote, backslash, open, close uint64) {
	panic("classify64 called without a vector classifier")
}
