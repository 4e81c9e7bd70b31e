package openapi_test

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/chatlens/chatlens/app"
	"github.com/chatlens/chatlens/openapi"
)

var update = flag.Bool("update", false, "rewrite the committed documents from the code")

// TestCommittedDocumentsAreCurrent fails when the code's API and the
// committed documents differ: regenerate with `just openapi`.
func TestCommittedDocumentsAreCurrent(t *testing.T) {
	for _, tc := range []struct {
		file      string
		v30       bool
		committed []byte
	}{
		{"openapi.yaml", false, openapi.YAML31},
		{"openapi-3.0.yaml", true, openapi.YAML30},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := app.OpenAPIDocument(tc.v30)
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(tc.file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !bytes.Equal(got, tc.committed) {
				t.Fatalf("openapi/%s is stale: run `just openapi` (or go test ./openapi -update) and commit it", tc.file)
			}
		})
	}
}
