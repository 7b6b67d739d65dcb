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
// Cost on a cold build cache (2 shared cores, other builds running, so CPU
// time is the steadier figure; go test -c, actiongraph summed per module):
// this test binary took 560 CPU-s to compile while it rendered the chart
// through Helm's action package, which links the Kubernetes client, kustomize,
// OCI registries and the plugin runtime (944 packages); rendering through the
// chart loader, the values schema, the engine and the manifest sorter, as the
// action does, it takes 320 CPU-s (456 packages): the standard library 83,
// k8s.io/api 73, client-go 66 (Helm's chart packages import its scheme and
// clientset), apimachinery 17, the rest under 10 each. Registering fewer API
// types in the test would not shorten that: Helm's internal/version imports
// k8s.io/client-go/kubernetes (every typed client and API group) for its own
// sake, and its lint rules client-go's scheme. scripts/test.sh compiles the
// packages outside the standard library without optimisation or inlining
// (-gcflags='all=-N -l' -gcflags=std=; only this test binary links them):
// 87 -> 55 CPU-s cold, measured per compile with a -toolexec wrapper (on a
// machine that gives about half the figures above), the tests' run 5 CPU-s
// either way. The Dockerfile's own go build reuses the main module's packages
// (scripts/test.sh builds them with the same flags and without cgo; the test
// binary runs with those flags, not the ones above).
package deploytest
