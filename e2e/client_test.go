package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestClientIsGeneratedFromTheCommittedSpec: client.gen.go is exactly what
// oapi-codegen (the version go.mod pins as a tool) makes of the committed
// openapi/openapi-3.0.yaml, so the walk-through tests the published spec.
// The generator writes to the configuration's output path, so it runs with
// a copy of the configuration that points into a temporary directory.
func TestClientIsGeneratedFromTheCommittedSpec(t *testing.T) {
	if testing.Short() {
		t.Skip("builds oapi-codegen")
	}
	config, err := os.ReadFile("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "client.gen.go")
	const outputLine = "output: client.gen.go"
	if !bytes.Contains(config, []byte(outputLine)) {
		t.Fatalf("oapi-codegen.yaml has no %q line to redirect", outputLine)
	}
	config = bytes.Replace(config, []byte(outputLine), []byte("output: "+out), 1)
	configPath := filepath.Join(dir, "oapi-codegen.yaml")
	if err := os.WriteFile(configPath, config, 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := filepath.Abs("../openapi/openapi-3.0.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", configPath, spec)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("e2e/client.gen.go is stale: run `go generate ./e2e` after `just openapi`, and commit it")
	}
}
