package config

import _ "embed"

// Starter is the commented policy file `prodgate init` writes. A test keeps it valid.
//
//go:embed starter.yaml
var Starter []byte
