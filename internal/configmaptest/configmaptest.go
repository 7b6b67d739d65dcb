// Package configmaptest lays out a directory as the kubelet mounts a
// Kubernetes ConfigMap, and updates it the way the kubelet does, for tests
// of code that must notice the update.
//
// A mounted ConfigMap is, for each key, a symlink KEY -> ..data/KEY; ..data
// is a symlink to a directory named after the update's time, which holds the
// files. The kubelet's atomic writer updates it by writing a new timestamped
// directory, pointing a ..data_tmp symlink at it, renaming ..data_tmp over
// ..data and removing the previous directory: the files the application
// reads through their symlinks are never written to, and no watch on them
// sees the change.
package configmaptest

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

var versions atomic.Int64

// Update writes files (name -> content) as the ConfigMap's new content in
// dir, making the mount first if dir has none.
func Update(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	version := fmt.Sprintf("..2026_12_01_10_00_%02d.%d", versions.Add(1)%60, versions.Load())
	if err := os.Mkdir(filepath.Join(dir, version), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, version, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	previous, _ := os.Readlink(filepath.Join(dir, "..data"))
	if err := os.Symlink(version, filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		link := filepath.Join(dir, name)
		if _, err := os.Lstat(link); os.IsNotExist(err) {
			if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
				t.Fatal(err)
			}
		}
	}
	if previous != "" {
		if err := os.RemoveAll(filepath.Join(dir, previous)); err != nil {
			t.Fatal(err)
		}
	}
}
