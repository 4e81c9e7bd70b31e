// Command measure times the chatlens WhatsApp parser on one export, counting
// everything a user waits for: opening and reading the file, detecting the
// format, deciding the date order and parsing every message. It prints one
// JSON line, the same shape as node/measure.mjs prints for the npm parser.
//
//	GOMAXPROCS=1 go run ./bench/parse/measure /tmp/chat.txt
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/chatlens/chatlens/core/chatparse"
)

// result is one measurement.
type result struct {
	Parser       string  `json:"parser"`
	Messages     int     `json:"messages"`
	Bytes        int64   `json:"bytes"`
	Seconds      float64 `json:"seconds"`
	MessagesPerS float64 `json:"messages_per_s"`
	MBPerS       float64 `json:"mb_per_s"`
	MaxRSSKiB    int64   `json:"max_rss_kib"`
	GOMAXPROCS   int     `json:"gomaxprocs"`
	DateOrder    string  `json:"date_order"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: measure FILE")
		os.Exit(2)
	}
	res, err := measure(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(res)
}

func measure(path string) (result, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	stream := chatparse.Parse(f, chatparse.Options{})
	n := 0
	for _, err := range stream.Messages() {
		if err != nil {
			return result{}, err
		}
		n++
	}
	elapsed := time.Since(start).Seconds()
	info, err := f.Stat()
	if err != nil {
		return result{}, err
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return result{}, err
	}
	return result{
		Parser: "chatlens", Messages: n, Bytes: info.Size(), Seconds: elapsed,
		MessagesPerS: float64(n) / elapsed, MBPerS: float64(info.Size()) / 1e6 / elapsed,
		MaxRSSKiB: ru.Maxrss, GOMAXPROCS: runtime.GOMAXPROCS(0),
		DateOrder: stream.Report().DateOrder.String(),
	}, nil
}
