// Package e2e drives the README's walk-through against the real chatlens
// binary on PostgreSQL, through a client generated from the committed
// openapi/openapi-3.0.yaml by oapi-codegen (client.gen.go). After changing
// the API, regenerate the documents (just openapi) and then the client:
//
//	cd e2e && go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../openapi/openapi-3.0.yaml
package e2e

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../openapi/openapi-3.0.yaml
