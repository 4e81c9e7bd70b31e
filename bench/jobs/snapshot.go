package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// snapshot is the counters a phase's cost is the difference of: the
// cluster's next transaction id (write transactions get one; read-only ones
// do not) and WAL position, and CPU seconds by process group.
type snapshot struct {
	xid int64
	lsn uint64
	cpu cpuTimes
}

// cpuTimes are CPU seconds (user + system) of the API process, the worker
// processes (chatlens workers, or the River limit's children), every
// process of the cluster, and this benchmark.
type cpuTimes struct {
	API, Workers, Postgres, Bench float64
}

func (c cpuTimes) sub(o cpuTimes) cpuTimes {
	return cpuTimes{c.API - o.API, c.Workers - o.Workers, c.Postgres - o.Postgres, c.Bench - o.Bench}
}

// take reads the counters; workers are the pids of this phase's worker
// processes. It reads the database's counters through db, which does not
// move them: neither statement takes a transaction id or writes WAL.
func (b *bench) take(ctx context.Context, db *sql.DB, workers []int) (snapshot, error) {
	var (
		s   snapshot
		lsn string
	)
	err := db.QueryRowContext(ctx, `SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, pg_current_wal_lsn()::text`).Scan(&s.xid, &lsn)
	if err != nil {
		return s, err
	}
	if s.lsn, err = parseLSN(lsn); err != nil {
		return s, err
	}
	s.cpu = cpuTimes{API: cpuSeconds(b.api.pid()), Postgres: postgresCPU(b.postmaster), Bench: cpuSeconds(os.Getpid())}
	for _, pid := range workers {
		s.cpu.Workers += cpuSeconds(pid)
	}
	return s, nil
}

// cost is what happened between two snapshots, per unit of work (a job
// or a request).
type cost struct {
	WriteTxPerUnit float64  `json:"write_tx_per_unit"`
	WALBytesUnit   float64  `json:"wal_bytes_per_unit"`
	CPUmsPerUnit   cpuTimes `json:"cpu_ms_per_unit"`
	CPUs           cpuTimes `json:"cpu_seconds"`
}

func costOf(from, to snapshot, units int) cost {
	u := float64(max(units, 1))
	d := to.cpu.sub(from.cpu)
	return cost{
		WriteTxPerUnit: float64(to.xid-from.xid) / u,
		WALBytesUnit:   float64(to.lsn-from.lsn) / u,
		CPUmsPerUnit:   cpuTimes{d.API * 1000 / u, d.Workers * 1000 / u, d.Postgres * 1000 / u, d.Bench * 1000 / u},
		CPUs:           d,
	}
}

// parseLSN reads PostgreSQL's "X/Y" WAL position as a byte offset.
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("not an LSN: %q", s)
	}
	return h<<32 | l, nil
}

// cpuSeconds is a process's user + system CPU time (/proc/pid/stat).
func cpuSeconds(pid int) float64 {
	f := procStat(pid)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}

// procStat is a process's /proc/pid/stat after its command name (which
// may hold spaces), split into fields: the state is field 0. Nil when the
// process is gone.
func procStat(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Fields(s)
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// postgresCPU sums the CPU time of the postmaster and its children
// (backends, WAL writer, checkpointer, autovacuum). A backend that exits
// between two readings takes its time with it: the phases keep their
// pools' connections open throughout.
func postgresCPU(postmaster int) float64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total float64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := procStat(pid); pid == postmaster || len(f) > 1 && f[1] == strconv.Itoa(postmaster) {
			total += cpuSeconds(pid)
		}
	}
	return total
}

// waitFor polls cond every interval until it reports done, and returns
// when it did; it fails after limit.
func waitFor(ctx context.Context, interval, limit time.Duration, cond func() (bool, error)) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for {
		done, err := cond()
		now := time.Now()
		if err != nil || done {
			return now, err
		}
		if now.After(deadline) {
			return now, fmt.Errorf("not done after %s", limit)
		}
		select {
		case <-ctx.Done():
			return now, ctx.Err()
		case <-time.After(interval):
		}
	}
}
