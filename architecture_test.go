package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/chatlens/chatlens"

// rule says which packages of the module a folder may import, and whether
// it may import modules outside the standard library.
type rule struct {
	folder     string   // "core/*" matches every package below core
	internal   []string // allowed module packages; "x/*" allows x and below
	thirdParty bool
	// extended are modules outside the standard library that a folder
	// without thirdParty may import all the same (path prefixes).
	extended []string
}

// rules is DESIGN.md's import table ("Architecture"), first match wins.
// Test files may import more; only non-test imports are checked.
var rules = []rule{
	// The core's one module beyond the standard library is the Go
	// project's golang.org/x/text: Unicode normalisation, scripts and bidi
	// classes for emails (core.ParseEmail), which the standard library lacks.
	{folder: "core", internal: nil, extended: []string{"golang.org/x/text/"}},
	{folder: "core/*", internal: []string{"core", "ports", "core/*"}},
	{folder: "ports", internal: []string{"core"}},
	{folder: "ports/porttest", internal: []string{"core", "ports"}},
	{folder: "adapters/memory", internal: []string{"core", "ports"}},
	{folder: "adapters/postgres/pgtest", internal: nil, thirdParty: true},
	{folder: "adapters/postgres", internal: []string{"core", "ports"}, thirdParty: true},
	{folder: "adapters/http", internal: []string{"core", "core/*"}, thirdParty: true},
	// The local AI writer answers the prompts core/aiinsight writes: it
	// reads their data blocks and writes their answers' shapes with that
	// package's own codec, so the two cannot drift apart.
	{folder: "adapters/ai/local", internal: []string{"core", "ports", "core/aiinsight"}},
	{folder: "adapters/*", internal: []string{"core", "ports"}, thirdParty: true},
	{folder: "app", internal: []string{"*"}, thirdParty: true},
	{folder: "migrations", internal: nil},
	{folder: "openapi", internal: nil},
	// The end-to-end client is generated from the committed document; it
	// needs its runtime library and nothing of the module (its tests run
	// the built binary).
	{folder: "e2e", internal: nil, thirdParty: true},
	// The services' tests open every storage adapter through it.
	{folder: "internal/storetest", internal: []string{"adapters/memory", "adapters/postgres", "adapters/postgres/pgtest", "migrations", "ports"}, thirdParty: true},
	// Code generators (go generate), run by hand, not built into the binary.
	{folder: "internal/tools/*", internal: nil},
	// Benchmark programs wire the product like app does.
	{folder: "bench/*", internal: []string{"*"}, thirdParty: true},
	{folder: "", internal: []string{"app"}},
}

// forbiddenInCore are standard packages the core must not touch either.
var forbiddenInCore = []string{"database/sql", "net/http"}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportTable(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found %d packages; the check would prove nothing", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestImportTableCatchesViolations proves the checker can fail.
func TestImportTableCatchesViolations(t *testing.T) {
	bad := []pkg{
		{ImportPath: module + "/core", Imports: []string{"fmt", module + "/ports"}},
		{ImportPath: module + "/core/users", Imports: []string{"database/sql"}},
		{ImportPath: module + "/core/users", Imports: []string{"github.com/uptrace/bun"}},
		{ImportPath: module + "/adapters/http", Imports: []string{module + "/adapters/postgres"}},
		{ImportPath: module + "/adapters/memory", Imports: []string{module + "/core/users"}},
		{ImportPath: module + "/ports/porttest", Imports: []string{module + "/adapters/memory"}},
		{ImportPath: module, Imports: []string{module + "/core"}},
		{ImportPath: module + "/somewhere", Imports: nil},
		{ImportPath: module + "/core", Imports: []string{"golang.org/x/net/idna"}},
		{ImportPath: module + "/core/users", Imports: []string{"golang.org/x/text/unicode/norm"}},
	}
	if got := violations(bad); len(got) != len(bad) {
		t.Fatalf("found %d violations in %d bad packages: %v", len(got), len(bad), got)
	}
	good := []pkg{
		{ImportPath: module + "/core/credits", Imports: []string{"context", module + "/core", module + "/ports"}},
		{ImportPath: module + "/adapters/postgres", Imports: []string{"github.com/uptrace/bun", module + "/ports"}},
		{ImportPath: module, Imports: []string{"os", module + "/app"}},
		{ImportPath: module + "/core", Imports: []string{"strings", "golang.org/x/text/unicode/norm"}},
	}
	if got := violations(good); len(got) != 0 {
		t.Fatalf("false alarms: %v", got)
	}
}

func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		r, ok := ruleFor(rel)
		if !ok {
			out = append(out, p.ImportPath+": no row of the import table covers this folder")
			continue
		}
		for _, imp := range p.Imports {
			if why := check(r, rel, imp); why != "" {
				out = append(out, p.ImportPath+" imports "+imp+": "+why)
			}
		}
	}
	return out
}

func ruleFor(rel string) (rule, bool) {
	for _, r := range rules {
		if matches(r.folder, rel) {
			return r, true
		}
	}
	return rule{}, false
}

// matches reports whether pattern ("x", "x/*" or "*") covers path.
func matches(pattern, path string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, "/*"):
		return strings.HasPrefix(path, strings.TrimSuffix(pattern, "*"))
	}
	return pattern == path
}

func check(r rule, rel, imp string) string {
	inCore := rel == "core" || strings.HasPrefix(rel, "core/")
	switch {
	case strings.HasPrefix(imp, module+"/") || imp == module:
		target := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
		if strings.HasPrefix(target, rel+"/") && rel != "" && !inCore && rel != "ports" {
			return "" // an adapter's own subpackages
		}
		if slices.ContainsFunc(r.internal, func(p string) bool { return matches(p, target) }) {
			return ""
		}
		return "not allowed by DESIGN.md's import table"
	case !strings.Contains(strings.Split(imp, "/")[0], "."): // standard library
		if inCore && slices.Contains(forbiddenInCore, imp) {
			return "the core must not touch " + imp
		}
		return ""
	case slices.ContainsFunc(r.extended, func(p string) bool { return strings.HasPrefix(imp, p) }):
		return ""
	case !r.thirdParty:
		return "this folder may import the standard library only"
	}
	return ""
}
