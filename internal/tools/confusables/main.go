// Command confusables generates core's look-alike table from Unicode's
// confusables.txt (UTS #39), the file beside this one. Run it through
// go generate in core:
//
//	go generate ./core
//
// A test here fails while the committed table differs from what the data
// gives, so a change of either is never half done.
//
// # The data
//
// confusables.txt is Unicode's file, unchanged (see its header for the
// version and terms of use). It comes from Debian bookworm's ICU 72.1 source
// package, icu_72.1.orig.tar.gz, file icu/source/data/unidata/confusables.txt:
// Unicode 15.0.0, the version of Go's unicode package and of
// golang.org/x/text's normalization tables, so the three agree (SHA-256
// 2b10130885c3370b101c52d7baedc452ab7f0e257b86c1e52ee657ecfc29ce64). To
// update, take the file of the Unicode version those have moved to.
//
// # What the table holds
//
// For every character of the data (each source, each character of a
// prototype, and printable ASCII), its reading: the UTS #39 prototype of
// the character, read back as the lower-case printable ASCII character
// whose prototype is the same where there is one (U+217F SMALL ROMAN
// NUMERAL ONE THOUSAND has prototype "rn", which is also the prototype of
// "m", so it reads "m"; Cyrillic "а" reads "a"; "1" and "|" read "l"), and
// otherwise the prototype itself, each of its characters read the same way.
// Only characters whose reading differs from themselves are listed.
//
// core.EmailKey maps each character of a non-ASCII address through this
// table, so a look-alike of an ASCII address gets that address's key.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	in := flag.String("in", "confusables.txt", "Unicode's confusables.txt")
	out := flag.String("out", "confusables_table.go", "the Go file to write")
	pkg := flag.String("package", "core", "its package")
	flag.Parse()
	if err := run(*in, *out, *pkg); err != nil {
		fmt.Fprintln(os.Stderr, "confusables:", err)
		os.Exit(1)
	}
}

func run(in, out, pkg string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := generate(f, pkg)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// data is confusables.txt as parsed: each source character's prototype.
type data struct {
	version    string
	date       string
	prototypes map[rune]string
}

func parse(r io.Reader) (data, error) {
	d := data{prototypes: map[rune]string{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimPrefix(sc.Text(), "\uFEFF")
		if rest, ok := strings.CutPrefix(text, "# Version: "); ok {
			d.version = strings.TrimSpace(rest)
		}
		if rest, ok := strings.CutPrefix(text, "# Date: "); ok {
			d.date = strings.TrimSpace(rest)
		}
		text, _, _ = strings.Cut(text, "#")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, ";")
		if len(fields) < 3 || strings.TrimSpace(fields[2]) != "MA" {
			return data{}, fmt.Errorf("line %d: want 'source ; prototype ; MA'", line)
		}
		source, err := runes(fields[0])
		if err != nil || len(source) != 1 {
			return data{}, fmt.Errorf("line %d: source is not one code point", line)
		}
		prototype, err := runes(fields[1])
		if err != nil || len(prototype) == 0 {
			return data{}, fmt.Errorf("line %d: bad prototype", line)
		}
		if _, dup := d.prototypes[source[0]]; dup {
			return data{}, fmt.Errorf("line %d: %U listed twice", line, source[0])
		}
		d.prototypes[source[0]] = string(prototype)
	}
	if err := sc.Err(); err != nil {
		return data{}, err
	}
	if d.version == "" || len(d.prototypes) < 1000 {
		return data{}, errors.New("this is not confusables.txt: no version line, or too few mappings")
	}
	// UTS #39 prototypes are fixed points: mapping one again changes nothing.
	for src, proto := range d.prototypes {
		for _, r := range proto {
			if p, ok := d.prototypes[r]; ok && p != string(r) {
				return data{}, fmt.Errorf("the prototype of %U holds %U, which maps on", src, r)
			}
		}
	}
	return d, nil
}

// runes parses space-separated hexadecimal code points.
func runes(s string) ([]rune, error) {
	var out []rune
	for _, h := range strings.Fields(s) {
		v, err := strconv.ParseUint(h, 16, 32)
		if err != nil || v > 0x10FFFF {
			return nil, fmt.Errorf("bad code point %q", h)
		}
		out = append(out, rune(v))
	}
	return out, nil
}

// readings computes the table: every listed character whose reading
// differs from itself.
func readings(d data) map[rune]string {
	skeleton := func(r rune) string {
		if p, ok := d.prototypes[r]; ok {
			return p
		}
		return string(r)
	}
	// The lower-case printable ASCII characters of each prototype.
	ascii := map[string][]rune{}
	for r := rune(0x21); r < 0x7F; r++ {
		if 'A' <= r && r <= 'Z' {
			continue
		}
		s := skeleton(r)
		ascii[s] = append(ascii[s], r)
	}
	readAs := func(proto string) string {
		if rs, ok := ascii[proto]; ok {
			return string(preferred(rs, proto))
		}
		var b strings.Builder
		for _, r := range proto {
			if rs, ok := ascii[string(r)]; ok {
				b.WriteRune(preferred(rs, string(r)))
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	listed := map[rune]bool{}
	for src, proto := range d.prototypes {
		listed[src] = true
		for _, r := range proto {
			listed[r] = true
		}
	}
	for r := rune(0x21); r < 0x7F; r++ {
		listed[r] = true
	}
	out := map[rune]string{}
	for r := range listed {
		if reading := readAs(skeleton(r)); reading != string(r) {
			out[r] = reading
		}
	}
	return out
}

// preferred picks, among ASCII characters that share a prototype, the one
// a look-alike reads as: the prototype itself when it is one of them, else
// a letter, else the first.
func preferred(rs []rune, proto string) rune {
	for _, r := range rs {
		if string(r) == proto {
			return r
		}
	}
	for _, r := range rs {
		if 'a' <= r && r <= 'z' {
			return r
		}
	}
	return rs[0]
}

// generate writes the Go source of the table.
func generate(r io.Reader, pkg string) ([]byte, error) {
	d, err := parse(r)
	if err != nil {
		return nil, err
	}
	table := readings(d)
	keys := make([]rune, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by internal/tools/confusables from Unicode's confusables.txt; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	fmt.Fprintf(&b, "// confusablesVersion is the Unicode version of the confusables data (UTS #39),\n// dated %s.\n", d.date)
	fmt.Fprintf(&b, "const confusablesVersion = %q\n\n", d.version)
	fmt.Fprintf(&b, "// lookalikeRunes lists, in order, the characters of the confusables data\n")
	fmt.Fprintf(&b, "// whose reading differs from themselves; lookalikeReadings[i] is the reading\n")
	fmt.Fprintf(&b, "// of lookalikeRunes[i] (see internal/tools/confusables). %d of %d mappings.\n", len(keys), len(d.prototypes))
	b.WriteString("var lookalikeRunes = [...]rune{\n")
	for i, k := range keys {
		if i%8 == 0 {
			b.WriteString("\t")
		}
		fmt.Fprintf(&b, "0x%04X,", k)
		if i%8 == 7 || i == len(keys)-1 {
			b.WriteString("\n")
		} else {
			b.WriteString(" ")
		}
	}
	b.WriteString("}\n\n")
	b.WriteString("var lookalikeReadings = [...]string{\n")
	for i, k := range keys {
		if i%8 == 0 {
			b.WriteString("\t")
		}
		b.WriteString(strconv.QuoteToASCII(table[k]) + ",")
		if i%8 == 7 || i == len(keys)-1 {
			b.WriteString("\n")
		} else {
			b.WriteString(" ")
		}
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
