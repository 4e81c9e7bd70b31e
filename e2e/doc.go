// Package e2e drives the README's walk-through against the real chatlens
// binary on PostgreSQL, through a client generated from the committed
// openapi/openapi-3.0.yaml by oapi-codegen (client.gen.go; the generator's
// version is pinned by the tool directive in go.mod, and a test fails when
// the client is stale). After changing the API, regenerate the documents
// (just openapi) and then the client:
//
//	go generate ./e2e
package e2e

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi/openapi-3.0.yaml
