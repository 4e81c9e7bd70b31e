// Command measure times one pass over one export, counting everything a
// user waits for: opening and reading the file and, by -mode,
//
//	parse  detecting the format and parsing every message (core/chatparse)
//	stats  the same, and computing the chat's statistics from every message
//	       (core/chatstats, as `chatlens parse --stats` does)
//	scan   only reading the file line by line with a bare bufio.Scanner: the
//	       floor no parser of a line format can go below
//
// It prints one JSON line, the same shape as node/measure.mjs prints for the
// npm parser.
//
//	GOMAXPROCS=1 go run ./bench/parse/measure -mode stats /tmp/chat.txt
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/chatlens/chatlens/core/chatparse"
	"github.com/chatlens/chatlens/core/chatstats"
)

// result is one measurement.
type result struct {
	Parser       string  `json:"parser"`
	Messages     int     `json:"messages"`
	Bytes        int64   `json:"bytes"`
	Seconds      float64 `json:"seconds"`
	CPUSeconds   float64 `json:"self_cpu_s"`
	MessagesPerS float64 `json:"messages_per_s"`
	MBPerS       float64 `json:"mb_per_s"`
	MaxRSSKiB    int64   `json:"max_rss_kib"`
	GOMAXPROCS   int     `json:"gomaxprocs"`
	Format       string  `json:"format,omitempty"`
	DateOrder    string  `json:"date_order,omitempty"`
	Authors      int     `json:"authors,omitempty"`
}

func main() {
	mode := flag.String("mode", "parse", "parse, stats or scan")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the pass to this file")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: measure [-mode parse|stats|scan] [-cpuprofile FILE] FILE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "measure:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "measure:", err)
			os.Exit(1)
		}
	}
	var res result
	var err error
	switch *mode {
	case "parse", "stats":
		res, err = measureParse(flag.Arg(0), *mode == "stats")
	case "scan":
		res, err = measureScan(flag.Arg(0))
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if *profile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(res)
}

func measureParse(path string, withStats bool) (result, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	stream := chatparse.Parse(f, chatparse.Options{})
	var stats *chatstats.Stats
	if withStats {
		stats = chatstats.New(chatstats.Options{})
	}
	n := 0
	for msg, err := range stream.Messages() {
		if err != nil {
			return result{}, err
		}
		if stats != nil {
			stats.Add(&msg)
		}
		n++
	}
	res := result{Parser: "chatlens", Messages: n, Format: stream.Report().Format.String()}
	if stats != nil {
		res.Parser = "chatlens --stats"
		res.Authors = len(stats.Result().Authors)
	}
	if o := stream.Report().DateOrder; o != chatparse.DateOrderAuto {
		res.DateOrder = o.String()
	}
	return finish(res, f, start)
}

// measureScan reads the file as a line format's parser must at least: every
// line, through a bufio.Scanner with room for WhatsApp's longest lines.
func measureScan(path string) (result, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
	}
	if err := sc.Err(); err != nil {
		return result{}, err
	}
	return finish(result{Parser: "bufio.Scanner", Messages: n}, f, start)
}

// finish fills in the time, size and resource figures; Messages is lines for
// the scanner.
func finish(res result, f *os.File, start time.Time) (result, error) {
	elapsed := time.Since(start).Seconds()
	info, err := f.Stat()
	if err != nil {
		return result{}, err
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return result{}, err
	}
	res.Bytes, res.Seconds = info.Size(), elapsed
	res.CPUSeconds = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	res.MessagesPerS = float64(res.Messages) / elapsed
	res.MBPerS = float64(info.Size()) / 1e6 / elapsed
	res.MaxRSSKiB, res.GOMAXPROCS = ru.Maxrss, runtime.GOMAXPROCS(0)
	return res, nil
}
