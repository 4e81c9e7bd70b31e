package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// examplePatch is a whole small module, notes, as docs/MODULES.md builds
// one: domain type, port, memory table, postgres repository, migration,
// porttest cases, service, HTTP operations and wiring (the regenerated
// OpenAPI documents and e2e client are left out: they are generated).
const examplePatch = "testdata/notes-module.patch"

// maxEditedFiles is how many existing files a new module may have to edit
// (docs/MODULES.md): the Tx port, the memory store, the postgres cascade
// list, the HTTP service list and registration, the fx wiring, and the
// contract test's service list. Test files count; the generated documents
// and client, which the patch leaves out, do not.
const maxEditedFiles = 6

// TestExampleModuleEditsFewFiles proves the module checklist on a real
// module: the notes patch must still apply to this tree, edit at most
// maxEditedFiles existing code files, build and vet, and pass the
// conformance suite's Notes cases on both storage adapters plus the
// module's own service and HTTP tests, and the API contract test over the
// regenerated documents. A change that makes modules touch
// more files, or that the patch no longer fits, fails here: refresh the
// patch (see docs/MODULES.md) or simplify the change.
func TestExampleModuleEditsFewFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the repository and runs tests in the copy")
	}
	patch, err := os.ReadFile(examplePatch)
	if err != nil {
		t.Fatal(err)
	}
	edited, created := patchedFiles(t, patch)
	t.Logf("the notes module creates %d files and edits %d existing ones: %v", len(created), len(edited), edited)
	if len(edited) > maxEditedFiles {
		t.Errorf("a new module edits %d existing files %v; docs/MODULES.md promises at most %d", len(edited), edited, maxEditedFiles)
	}

	git, err := exec.LookPath("git")
	if err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatal("git is needed to apply the example patch")
		}
		t.Skip("git is needed to apply the example patch")
	}
	dir := t.TempDir()
	copyTree(t, ".", dir)
	run(t, dir, git, "apply", "--whitespace=nowarn", filepath.Join(mustAbs(t, "."), examplePatch))
	run(t, dir, "go", "vet", "./...")
	// The documents are generated, so the patch leaves them out: make them
	// as `just openapi` does, then hold the module to the API's contract.
	for _, doc := range []struct{ file, flag string }{{"openapi/openapi.yaml", ""}, {"openapi/openapi-3.0.yaml", "--3.0"}} {
		args := []string{"run", ".", "openapi"}
		if doc.flag != "" {
			args = append(args, doc.flag)
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go run . openapi %s: %v", doc.flag, err)
		}
		if err := os.WriteFile(filepath.Join(dir, doc.file), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, dir, "go", "test", "-count=1",
		"-run", "TestConformance/Notes|TestNotes|TestAddListDelete|TestContract|TestDocumentRules|TestCommittedDocuments",
		"./adapters/memory", "./adapters/postgres", "./adapters/http", "./core/notes", "./openapi")
}

// patchedFiles lists the files a git patch edits and the ones it creates.
func patchedFiles(t *testing.T, patch []byte) (edited, created []string) {
	t.Helper()
	var current string
	sc := bufio.NewScanner(bytes.NewReader(patch))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	flush := func(isNew bool) {
		if current == "" {
			return
		}
		if isNew {
			created = append(created, current)
		} else {
			edited = append(edited, current)
		}
		current = ""
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "diff --git a/"):
			flush(false)
			current = strings.TrimPrefix(strings.Fields(line)[2], "a/")
		case strings.HasPrefix(line, "new file mode"):
			flush(true)
		}
	}
	flush(false)
	if len(edited)+len(created) == 0 {
		t.Fatal("the example patch changes no file")
	}
	slices.Sort(edited)
	return edited, created
}

// copyTree copies the repository's working files (not .git, not
// node_modules) from src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, path)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
