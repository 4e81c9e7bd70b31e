package main

import (
	"fmt"
	"slices"
	"strings"
)

func (t throughput) print() {
	enqueued := "the requests came first"
	if t.Config != "drain" {
		enqueued = fmt.Sprintf("enqueued in %.2f s", t.Enqueued)
	}
	fmt.Printf("    %s, %d × %d workers: %d jobs in %.2f s: %.0f jobs/s (busy window %.2f s: %.0f jobs/s); %s; %d failed\n",
		t.What, t.Procs, t.Workers, t.Jobs, t.Wall, t.rate(), t.Busy.Seconds, t.Busy.rate(), enqueued, t.Failed)
	c := t.Cost
	fmt.Printf("      per job: %.2f write transactions, %.0f WAL bytes; CPU ms: API %.2f, workers %.2f, PostgreSQL %.2f, bench %.2f\n",
		c.WriteTxPerUnit, c.WALBytesUnit, c.CPUmsPerUnit.API, c.CPUmsPerUnit.Workers, c.CPUmsPerUnit.Postgres, c.CPUmsPerUnit.Bench)
	if r := t.Requests; r != nil {
		fmt.Printf("      %s: %.0f/s, p50 %.1f ms, p99 %.1f ms, %d busy answers retried\n", r.What, r.PerSec, r.P50ms, r.P99ms, r.Errors)
	}
	if t.Maintenance > 0 {
		fmt.Printf("      the maintenance job ran %.2f s meanwhile\n", t.Maintenance)
	}
	printStatements(t.Statements)
}

// row is one contender's runs over the rounds.
type row struct {
	what  string
	procs int
	runs  []throughput
}

// printSummary prints the tables of docs/BENCHMARKS.md: medians over the
// rounds, and each insights row beside the limit of the same processes
// under the product's settings.
func printSummary(res *results, o options) {
	var rows []*row
	for _, t := range res.Throughput {
		i := slices.IndexFunc(rows, func(r *row) bool { return r.what == t.What && r.procs == t.Procs })
		if i < 0 {
			rows = append(rows, &row{what: t.What, procs: t.Procs})
			i = len(rows) - 1
		}
		rows[i].runs = append(rows[i].runs, t)
	}
	busyRate := func(t throughput) float64 { return t.Busy.rate() }
	limitOf, limitBusy := map[int]float64{}, map[int]float64{}
	for _, r := range rows {
		if r.runs[0].Kind == "limit" && r.runs[0].Config == limitConfigs[0].name {
			limitOf[r.procs], limitBusy[r.procs] = medianOf(r.runs, throughput.rate), medianOf(r.runs, busyRate)
		}
	}
	ratio := func(a, b float64) string {
		if b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	fmt.Printf("\n=== Throughput (%d round(s), medians; %d workers per process; %d insight requests or %d empty jobs per run)\n\n",
		o.rounds, o.workers, o.requests, o.limitJobs)
	fmt.Println("| contender | processes × workers | jobs/s, start → last done | ÷ limit | busy-window jobs/s | ÷ limit | write tx/job | WAL bytes/job | CPU ms/job: API, workers, PostgreSQL, bench |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rows {
		rate, busy := medianOf(r.runs, throughput.rate), medianOf(r.runs, busyRate)
		c := r.runs[len(r.runs)/2].Cost
		fmt.Printf("| %s | %d × %d | %.0f | %s | %.0f | %s | %.2f | %.0f | %.2f, %.2f, %.2f, %.2f |\n",
			r.what, r.procs, r.runs[0].Workers, rate, ratio(rate, limitOf[r.procs]), busy, ratio(busy, limitBusy[r.procs]),
			medianOf(r.runs, func(t throughput) float64 { return t.Cost.WriteTxPerUnit }),
			medianOf(r.runs, func(t throughput) float64 { return t.Cost.WALBytesUnit }),
			c.CPUmsPerUnit.API, c.CPUmsPerUnit.Workers, c.CPUmsPerUnit.Postgres, c.CPUmsPerUnit.Bench)
	}
	if len(res.Latency) > 0 {
		fmt.Printf("\n=== Latency (API only; closed loop)\n\n")
		fmt.Println("| request | clients | users | requests | requests/s | p50 ms | p99 ms | errors | write tx/request | CPU ms/request: API, PostgreSQL |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
		for _, l := range res.Latency {
			tx, cpu := "-", "-"
			if l.Cost != nil {
				tx = fmt.Sprintf("%.2f", l.Cost.WriteTxPerUnit)
				cpu = fmt.Sprintf("%.2f, %.2f", l.Cost.CPUmsPerUnit.API, l.Cost.CPUmsPerUnit.Postgres)
			}
			fmt.Printf("| %s | %d | %d | %d | %.0f | %.1f | %.1f | %d | %s | %s |\n",
				l.What, l.Clients, l.Users, l.Requests, l.PerSec, l.P50ms, l.P99ms, l.Errors, tx, cpu)
		}
	}
	fmt.Printf("\nload averages: %s\n", strings.Join(res.Env.Loads, "; "))
}

// medianOf is the median of f over the runs.
func medianOf(runs []throughput, f func(throughput) float64) float64 {
	xs := make([]float64, len(runs))
	for i, r := range runs {
		xs[i] = f(r)
	}
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
