// Package deploytest holds the tests of what prodgate ships besides its Go
// code: the Dockerfile (its own build commands run for real, the binary checked
// static), the Helm chart (rendered by Helm's Go SDK and decoded into
// Kubernetes API types) and the Terraform module that registers the run task.
//
// It is a module of its own so that Helm, the Kubernetes API types and
// BuildKit's Dockerfile parser stay out of the product's go.mod. Tests read
// the repository two levels up; run them with `go test ./...` here, or
// through scripts/test.sh.
//
// Cost on a cold build cache (2 shared cores, measured 2026-12-02 while other
// builds ran, so CPU time is the steadier figure): compiling this test binary
// (Helm's SDK, client-go, BuildKit's parser) took 9.5 CPU-minutes (18 min
// wall at load ~19); the Dockerfile's own go build of prodgate with its PGO
// profile another 4.6 CPU-minutes (8 min wall), since the profile recompiles
// every dependency. On a warm cache the whole stage takes about a minute.
package deploytest
