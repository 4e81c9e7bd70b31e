package chatparse

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkParseWhatsApp parses 100,000 generated messages held in memory;
// bench/parse measures whole processes on files against the npm parser.
func BenchmarkParseWhatsApp(b *testing.B) {
	benchmarkParse(b, &generatedChat{n: 100_000})
}

// BenchmarkParseWhatsAppIOS parses an iOS group export with marks, which
// also runs the look ahead at its first lines and the signer's rules.
func BenchmarkParseWhatsAppIOS(b *testing.B) {
	benchmarkParse(b, &generatedChat{n: 100_000, ios: true})
}

func benchmarkParse(b *testing.B, chat *generatedChat) {
	data, err := io.ReadAll(chat)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range Parse(bytes.NewReader(data), Options{}).Messages() {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 100_000 {
			b.Fatalf("%d messages", n)
		}
	}
}
