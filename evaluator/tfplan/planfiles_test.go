package tfplan

import "path/filepath"

// planFiles lists the repository's own plans and those of the shared corpus
// (../shared/corpus/plans beside the repository, read in place; absent in a
// fresh clone, where only the repository's plans are listed).
func planFiles() []string {
	var files []string
	for _, pattern := range []string{"../../testdata/plans/*.json", "../../examples/plans/*.json", "../../../shared/corpus/plans/*/*.json"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	return files
}
