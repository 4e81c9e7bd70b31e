package main

import (
	"fmt"
	"strings"
)

// Targets from the issue.
const (
	targetRatio   = 0.7   // import throughput >= 0.7 of COPY's
	targetRSS     = 150e6 // bytes of peak RSS
	targetFlat    = 1.25  // largest file's peak RSS within 25% of the smallest's
	targetSearch  = 20.0  // ms, p95 of a search through the API
	targetVsPSQL  = 1.5   // API p95 within 1.5x psql's
	targetStatsMS = 200.0 // ms, p95 of statistics and pictures
)

func metStr(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// printSummary prints the figures as the Markdown tables of
// docs/BENCHMARKS.md, medians over the rounds.
func printSummary(r *results) {
	fmt.Printf("\nmachine: %d CPUs (%s), %s, %s, PostgreSQL %s\n", r.Env.CPUs, r.Env.CPU, r.Env.MemTotal, r.Env.Go, r.Env.Postgres)
	fmt.Printf("load averages: %s\n\n", strings.Join(r.Env.Loads, "; "))

	fmt.Println("| file | messages | MB | contender | wall s | messages/s | MB/s | import ÷ COPY | peak RSS MiB | server CPU s | PostgreSQL CPU s | targets |")
	fmt.Println("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
	var files []string
	seen := map[string]bool{}
	for _, im := range r.Imports {
		if !seen[im.File] {
			seen[im.File] = true
			files = append(files, im.File)
		}
	}
	peaks := map[string]float64{}
	for _, f := range files {
		var walls, cwalls, cpu, pgcpu, cpgcpu []float64
		var msgs int64
		var bytes int64
		var peak int64
		for _, im := range r.Imports {
			if im.File == f {
				walls = append(walls, im.WallS)
				cpu = append(cpu, im.ServerCPU)
				pgcpu = append(pgcpu, im.PGCPU)
				msgs, bytes = im.Messages, im.Bytes
				peak = max(peak, im.PeakKiB)
			}
		}
		for _, c := range r.Copies {
			if c.File == f {
				cwalls = append(cwalls, c.WallS)
				cpgcpu = append(cpgcpu, c.PGCPU)
			}
		}
		w, cw := median(walls), median(cwalls)
		ratio := cw / w
		peaks[f] = float64(peak) * 1024
		fmt.Printf("| %s | %d | %.1f | COPY (psql) | %.2f | %.0f | | 1.00 | | | %.2f | |\n",
			f, msgs, float64(bytes)/1e6, cw, float64(msgs)/cw, median(cpgcpu))
		fmt.Printf("| %s | %d | %.1f | import (API) | %.2f | %.0f | %.1f | %.2f | %.1f | %.2f | %.2f | ratio %s, RSS %s |\n",
			f, msgs, float64(bytes)/1e6, w, float64(msgs)/w, float64(bytes)/1e6/w, ratio, kib(peak),
			median(cpu), median(pgcpu), metStr(ratio >= targetRatio), metStr(float64(peak)*1024 <= targetRSS))
	}
	fmt.Println("\nimport ÷ COPY paired by round (each round ran both, back to back):")
	for _, f := range files {
		var ratios []float64
		var parts []string
		for _, im := range r.Imports {
			for _, c := range r.Copies {
				if im.File == f && c.File == f && c.Round == im.Round {
					ratios = append(ratios, c.WallS/im.WallS)
					parts = append(parts, fmt.Sprintf("%.2f", c.WallS/im.WallS))
				}
			}
		}
		fmt.Printf("  %s: rounds %s, median %.2f (%s)\n", f, strings.Join(parts, ", "), median(ratios), metStr(median(ratios) >= targetRatio))
	}
	if len(files) > 1 {
		lo, hi := peaks[files[0]], peaks[files[len(files)-1]]
		fmt.Printf("\npeak RSS %s: %.1f MiB -> %s: %.1f MiB (x%.2f; flat within x%.2f: %s)\n",
			files[0], lo/(1<<20), files[len(files)-1], hi/(1<<20), hi/lo, targetFlat, metStr(hi <= lo*targetFlat))
	}
	fmt.Println("\nrounds:")
	for _, im := range r.Imports {
		fmt.Printf("  round %d %s: import %.2f s (first: %s), peak RSS %.1f MiB\n", im.Round, im.File, im.WallS, im.First, kib(im.PeakKiB))
	}
	for _, c := range r.Copies {
		fmt.Printf("  round %d %s: COPY %.2f s\n", c.Round, c.File, c.WallS)
	}

	if len(r.Search) > 0 {
		fmt.Printf("\nsearch over %d messages in the table (the chat's own: see the import)\n\n", r.Rows)
		fmt.Println("| query | q | chat messages holding it | search statements | API p50 ms | API p95 ms | psql p50 ms | psql p95 ms | API ÷ psql (p95) | whole request in psql p50, p95 ms | plan | targets |")
		fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
		for _, l := range r.Search {
			ratio := l.APIp95 / l.PSQLp95
			fmt.Printf("| %s | `%s` | %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f, %.2f | %s | p95 %s, ÷psql %s |\n",
				l.Name, l.Query, l.Hits, l.SearchStatements, l.APIp50, l.APIp95, l.PSQLp50, l.PSQLp95, ratio, l.AllP50, l.AllP95, l.Plan,
				metStr(l.APIp95 <= targetSearch), metStr(ratio <= targetVsPSQL))
		}
		fmt.Println("\nslowest statement of each search request, timed alone in psql (p50):")
		for _, l := range r.Search {
			fmt.Printf("  %s: %s\n", l.Name, l.Slowest)
		}
	}
	if len(r.Stats) > 0 {
		fmt.Println("\n| request | p50 ms | p95 ms | answer bytes | target (p95 < 200 ms) |")
		fmt.Println("|---|---:|---:|---:|---|")
		for _, l := range r.Stats {
			fmt.Printf("| %s | %.2f | %.2f | %d | %s |\n", l.Name, l.APIp50, l.APIp95, l.Bytes, metStr(l.APIp95 < targetStatsMS))
		}
	}
}
