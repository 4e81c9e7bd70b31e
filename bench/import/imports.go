package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

func openDB(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	return db, nil
}

// importResult is one upload through the API.
type importResult struct {
	File       string  `json:"file"`
	Round      int     `json:"round"`
	Bytes      int64   `json:"bytes"`
	Messages   int64   `json:"messages"`
	Chat       string  `json:"chat"`
	WallS      float64 `json:"wall_s"`
	PeakKiB    int64   `json:"peak_rss_kib"`    // VmHWM after a reset at the start
	SampledKiB int64   `json:"sampled_rss_kib"` // the largest VmRSS seen every 20 ms
	BaseKiB    int64   `json:"base_rss_kib"`    // VmRSS before the upload
	ServerCPU  float64 `json:"server_cpu_s"`
	PGCPU      float64 `json:"postgres_cpu_s"`
	First      string  `json:"first"` // "import" or "copy": which ran first this round
}

// copyResult is one COPY of the same rows in psql.
type copyResult struct {
	File     string  `json:"file"`
	Round    int     `json:"round"`
	Messages int64   `json:"messages"`
	Bytes    int64   `json:"bytes"` // the export file's, for reference (MB/s is on the upload's size)
	WallS    float64 `json:"wall_s"`
	PGCPU    float64 `json:"postgres_cpu_s"`
}

// imports runs every round: each file is uploaded through the API and the
// same rows COPYed in psql, alternating which goes first so that the
// table's growth weighs on both alike.
func (b *bench) imports(ctx context.Context) error {
	var err error
	if b.copyUser, _, err = b.newUser(ctx, "copy"); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("/tmp", "bench-import")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// The server reads the COPY file itself, as the postgres user.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	last := map[string]string{} // file -> the latest chat imported from it
	for round := 1; round <= b.o.rounds; round++ {
		for _, file := range b.o.files {
			b.res.Env.load(fmt.Sprintf("round %d, %s", round, filepath.Base(file)))
			copyFirst := round%2 == 0 && last[file] != ""
			if copyFirst {
				if err := b.copyOnce(ctx, tmp, file, round, last[file]); err != nil {
					return err
				}
			}
			r, err := b.importOnce(ctx, file, round, round == b.o.rounds && file == b.o.files[len(b.o.files)-1])
			if err != nil {
				return err
			}
			r.First = "import"
			if copyFirst {
				r.First = "copy"
			}
			last[file] = r.Chat
			b.res.Imports = append(b.res.Imports, r)
			if !copyFirst {
				if err := b.copyOnce(ctx, tmp, file, round, r.Chat); err != nil {
					return err
				}
			}
		}
	}
	largest := b.o.files[len(b.o.files)-1]
	b.target = last[largest]
	for _, r := range b.res.Imports {
		if r.Chat == b.target {
			b.targetN = r.Messages
		}
	}
	return nil
}

// importOnce uploads file as a new user and measures it.
func (b *bench) importOnce(ctx context.Context, file string, round int, profile bool) (importResult, error) {
	r := importResult{File: filepath.Base(file), Round: round}
	st, err := os.Stat(file)
	if err != nil {
		return r, err
	}
	r.Bytes = st.Size()
	_, key, err := b.newUser(ctx, "import")
	if err != nil {
		return r, err
	}
	pid := b.srv.pid()
	r.BaseKiB, _ = procStatus(pid, "VmRSS")
	var profDone chan error
	if profile && b.o.profile {
		// As long as the previous round of this file took, at least 5 s.
		d := 5 * time.Second
		for _, prev := range b.res.Imports {
			if prev.File == r.File {
				d = max(d, time.Duration(prev.WallS*float64(time.Second)))
			}
		}
		profDone = make(chan error, 1)
		path := filepath.Join(b.o.out, "cpu-import.prof")
		go func() { profDone <- b.srv.profile(ctx, d, path) }()
	}
	rss := startRSS(pid)
	cpu0, pg0 := cpuSeconds(pid), postgresCPU(b.postmaster)
	start := time.Now()
	doc, err := b.srv.upload(ctx, key, file)
	wall := time.Since(start)
	cpu1, pg1 := cpuSeconds(pid), postgresCPU(b.postmaster)
	r.PeakKiB, r.SampledKiB = rss.finish()
	if err != nil {
		return r, err
	}
	if rss.err != nil {
		fmt.Println("    note:", rss.err, "(peak is the sampled one)")
		r.PeakKiB = r.SampledKiB
	}
	r.WallS, r.ServerCPU, r.PGCPU = wall.Seconds(), cpu1-cpu0, pg1-pg0
	r.Chat = findString(doc, "id")
	if r.Chat == "" {
		return r, fmt.Errorf("upload answer has no id: %v", doc)
	}
	if err := b.p.db.QueryRowContext(ctx, "SELECT count(*) FROM messages WHERE chat_id = $1", r.Chat).Scan(&r.Messages); err != nil {
		return r, err
	}
	if b.targetKey == "" || file == b.o.files[len(b.o.files)-1] {
		b.targetKey = key
	}
	fmt.Printf("    import %-40s %9d messages %7.2f s %9.0f msg/s %6.1f MB/s  peak RSS %6.1f MiB (sampled %.1f, before %.1f)  CPU server %.2f s, PostgreSQL %.2f s\n",
		r.File, r.Messages, r.WallS, float64(r.Messages)/r.WallS, float64(r.Bytes)/1e6/r.WallS,
		kib(r.PeakKiB), kib(r.SampledKiB), kib(r.BaseKiB), r.ServerCPU, r.PGCPU)
	if profDone != nil {
		if err := <-profDone; err != nil {
			fmt.Println("    profile:", err)
		} else {
			fmt.Println("    CPU profile of the server during the import:", filepath.Join(b.o.out, "cpu-import.prof"))
		}
	}
	return r, nil
}

// copyOnce COPYs chat src's rows, under a new chat of the copy user, into
// messages through psql.
func (b *bench) copyOnce(ctx context.Context, tmp, file string, round int, src string) error {
	r := copyResult{File: filepath.Base(file), Round: round}
	id, err := b.p.newUUID(ctx)
	if err != nil {
		return err
	}
	if err := b.p.cloneChat(ctx, src, id, b.copyUser); err != nil {
		return err
	}
	rows := filepath.Join(tmp, "rows.copy")
	cols, err := b.p.exportRows(ctx, src, id, rows)
	if err != nil {
		return err
	}
	defer os.Remove(rows)
	if st, err := os.Stat(rows); err == nil {
		r.Bytes = st.Size()
	}
	// The export was just written, so it is in the page cache, as the
	// upload's spool file is when the server reads it back.
	pg0 := postgresCPU(b.postmaster)
	d, err := b.p.copyFrom(ctx, cols, rows)
	if err != nil {
		return err
	}
	r.PGCPU = postgresCPU(b.postmaster) - pg0
	r.WallS = d.Seconds()
	if err := b.p.db.QueryRowContext(ctx, "SELECT count(*) FROM messages WHERE chat_id = $1", id).Scan(&r.Messages); err != nil {
		return err
	}
	b.res.Copies = append(b.res.Copies, r)
	fmt.Printf("    COPY   %-40s %9d messages %7.2f s %9.0f msg/s  (%.1f MB of COPY text)  CPU PostgreSQL %.2f s\n",
		r.File, r.Messages, r.WallS, float64(r.Messages)/r.WallS, float64(r.Bytes)/1e6, r.PGCPU)
	return nil
}

func kib(v int64) float64 { return float64(v) / 1024 }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
