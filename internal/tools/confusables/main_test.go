package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestCommittedTableIsCurrent fails while core's table is not what
// confusables.txt gives: run go generate ./core after changing either.
func TestCommittedTableIsCurrent(t *testing.T) {
	f, err := os.Open("confusables.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := generate(f, "core")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../../core/confusables_table.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("core/confusables_table.go is stale: run go generate ./core")
	}
}

func TestReadings(t *testing.T) {
	f, err := os.Open("confusables.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if d.version != "15.0.0" || len(d.prototypes) != 6311 {
		t.Fatalf("version %q, %d mappings; want Unicode 15.0.0's 6311", d.version, len(d.prototypes))
	}
	table := readings(d)
	for r, want := range map[rune]string{
		'а':      "a", // CYRILLIC SMALL LETTER A
		'ο':      "o", // GREEK SMALL LETTER OMICRON
		'\u217F': "m", // SMALL ROMAN NUMERAL ONE THOUSAND: prototype "rn", which is m's
		'\u04CF': "i", // CYRILLIC SMALL LETTER PALOCHKA
		'\u01C0': "l", // LATIN LETTER DENTAL CLICK
		'1':      "l", // DIGIT ONE and VERTICAL LINE share l's prototype
		'|':      "l",
		'\uFF41': "a",  // FULLWIDTH LATIN SMALL LETTER A
		'\u3007': "0",  // IDEOGRAPHIC NUMBER ZERO: prototype "O", which is 0's
		'\u2033': "\"", // DOUBLE PRIME: prototype "''", which is '"''s
	} {
		if got, ok := table[r]; !ok || got != want {
			t.Errorf("reading of %U = %q, %v; want %q", r, got, ok, want)
		}
	}
	// Lower-case ASCII letters, digits other than 1 and the address
	// characters read as themselves.
	for _, r := range "abcdefghijklmnopqrstuvwxyz023456789.@_+-" {
		if got, ok := table[r]; ok {
			t.Errorf("%q reads %q; want itself", r, got)
		}
	}
}

func TestParseRefusesOtherFiles(t *testing.T) {
	for _, in := range []string{"", "# Version: 1\n0041 ; 0061 ; MA\n", "no semicolons here\n"} {
		if _, err := parse(strings.NewReader(in)); err == nil {
			t.Errorf("parse(%q) succeeded", in)
		}
	}
}
