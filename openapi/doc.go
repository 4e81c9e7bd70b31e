// Package openapi holds the API's OpenAPI documents, generated from the
// code (adapters/http) and committed: openapi.yaml (3.1) and
// openapi-3.0.yaml (the downgrade, for older generators). Regenerate them
// with `just openapi` (go run . openapi > openapi/openapi.yaml, and with
// --3.0); the test in this folder fails when they are stale.
package openapi

import _ "embed"

// YAML31 is the committed OpenAPI 3.1 document.
//
//go:embed openapi.yaml
var YAML31 []byte

// YAML30 is the committed OpenAPI 3.0 downgrade.
//
//go:embed openapi-3.0.yaml
var YAML30 []byte
