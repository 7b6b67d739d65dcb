// Package deploytest holds the tests of what prodgate ships besides its Go
// code: the Dockerfile (its own build commands run for real, the binary checked
// static), the Helm chart (rendered by Helm's Go SDK and decoded into
// Kubernetes API types) and the Terraform module that registers the run task.
//
// It is a module of its own so that Helm, the Kubernetes API types and
// BuildKit's Dockerfile parser stay out of the product's go.mod. Tests read
// the repository two levels up; run them with `go test ./...` here, or
// through scripts/test.sh.
package deploytest
