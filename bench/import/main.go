// Command import is the import and search benchmark (`just bench-import`,
// through bench/import/run.sh, which builds the server and generates the
// exports): on a durable (fsync on) throwaway PostgreSQL it starts the real
// chatlens binary and
//
//  1. uploads each generated WhatsApp export over HTTP (multipart, streamed
//     from disk) and measures the import's wall time, messages/s, MB/s and
//     the server process's peak RSS;
//  2. in the same run, loads the same rows into the same table with psql's
//     COPY (the physical limit) and reports import ÷ COPY;
//  3. with the largest chat loaded among other users' chats (at least
//     -min-rows messages in the table), times full-text searches through
//     the API beside the very statement the server ran, timed in psql;
//  4. times the chat's statistics and its two pictures.
//
// Every figure's inputs and the machine's load are printed with it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
)

type options struct {
	server    string
	out       string
	rounds    int
	minRows   int64
	searchN   int
	statsN    int
	pages     int
	limit     int
	profile   bool
	skipSrch  bool
	sharedBuf string
	files     []string
}

func main() {
	var o options
	flag.StringVar(&o.server, "server", "bench/out/import/chatlens-bench-import", "the chatlens binary to run")
	flag.StringVar(&o.out, "out", "bench/out/import", "directory for logs, profiles, plans and results")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of import and COPY of every file (alternating which goes first)")
	flag.Int64Var(&o.minRows, "min-rows", 5_000_000, "messages the table holds before the search phase (filled by INSERT … SELECT copies under other users)")
	flag.IntVar(&o.searchN, "search-reps", 200, "repetitions of each search, through the API and in psql")
	flag.IntVar(&o.statsN, "stats-reps", 50, "repetitions of each statistics request")
	flag.IntVar(&o.pages, "pages", 20, "depth of the deep-page search (pages followed by cursor)")
	flag.IntVar(&o.limit, "limit", 0, "page size of the searches (0: the API's default)")
	flag.BoolVar(&o.profile, "profile", false, "CPU-profile the server during the last import of the largest file and during searches")
	flag.BoolVar(&o.skipSrch, "import-only", false, "stop after the import phase")
	flag.StringVar(&o.sharedBuf, "shared-buffers", "256MB", "shared_buffers of the cluster")
	flag.Parse()
	o.files = flag.Args()
	if len(o.files) == 0 {
		fmt.Fprintln(os.Stderr, "bench-import: name the exports to upload (bench/import/run.sh generates them)")
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench-import:", err)
		os.Exit(1)
	}
}

// env is what the run measured on, printed with the figures.
type env struct {
	CPUs      int      `json:"cpus"`
	CPU       string   `json:"cpu"`
	MemTotal  string   `json:"mem_total"`
	Go        string   `json:"go"`
	Postgres  string   `json:"postgres"`
	Loads     []string `json:"loads"` // phase: load average, in order
	StartedAt string   `json:"started_at"`
}

func (e *env) load(phase string) {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	l := "unknown"
	if len(f) >= 3 {
		l = strings.Join(f[:3], " ")
	}
	e.Loads = append(e.Loads, phase+": "+l)
	fmt.Printf("--- %s (load average %s)\n", phase, l)
}

func machine() env {
	e := env{CPUs: runtime.NumCPU(), Go: runtime.Version(), StartedAt: time.Now().UTC().Format(time.RFC3339)}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				e.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				e.MemTotal = strings.TrimSpace(v)
			}
		}
	}
	return e
}

// results is everything the run measured (written as JSON to the out
// directory, and printed as tables).
type results struct {
	Env     env            `json:"env"`
	Imports []importResult `json:"imports"`
	Copies  []copyResult   `json:"copies"`
	Search  []latency      `json:"search,omitempty"`
	Stats   []latency      `json:"stats,omitempty"`
	Rows    int64          `json:"rows_at_search"`
	Words   []wordFreq     `json:"query_words,omitempty"`
}

func run(ctx context.Context, o options) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	res := &results{Env: machine()}
	res.Env.load("start")
	cluster, err := pgtest.StartCluster(ctx, pgtest.ClusterOptions{
		Fsync: true, MaxConnections: 100, SharedBuffers: o.sharedBuf,
		Settings: map[string]string{"log_line_prefix": "%m [%p] "},
	})
	if err != nil {
		return err
	}
	defer cluster.Stop()
	const dbname = "bench"
	if err := cluster.CreateDatabase(ctx, dbname); err != nil {
		return err
	}
	db, err := openDB(cluster.DSN(dbname))
	if err != nil {
		return err
	}
	defer db.Close()
	p := &pg{cluster: cluster, db: db, dbname: dbname}
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&res.Env.Postgres); err != nil {
		return err
	}
	fmt.Printf("machine: %d CPUs (%s), %s RAM, %s, PostgreSQL %s (fsync, synchronous_commit and full_page_writes on, shared_buffers %s)\n",
		res.Env.CPUs, res.Env.CPU, res.Env.MemTotal, res.Env.Go, res.Env.Postgres, o.sharedBuf)

	srv, err := startServer(o.server, cluster.DSN(dbname), filepath.Join(o.out, "server.log"), serverEnv())
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("server: pid %d, API %s, internal %s, log %s\n", srv.pid(), srv.base, srv.internal, srv.logPath)
	postmaster, err := postmasterPID(cluster)
	if err != nil {
		return err
	}

	b := &bench{o: o, p: p, srv: srv, postmaster: postmaster, res: res}
	err = b.imports(ctx)
	if err == nil && !o.skipSrch {
		if err = b.search(ctx); err == nil {
			err = b.statistics(ctx)
		}
	}
	// What was measured is printed even when a later phase failed.
	res.Env.load("end")
	data, _ := json.MarshalIndent(res, "", "  ")
	if werr := os.WriteFile(filepath.Join(o.out, "results.json"), data, 0o644); werr != nil && err == nil {
		err = werr
	}
	printSummary(res)
	select {
	case <-srv.done:
		// Someone else stopped the server (a signal, or a crash): say so.
		died := fmt.Errorf("the server exited during the run: %v; see %s", srv.err, srv.logPath)
		if err != nil {
			died = fmt.Errorf("%w (%w)", err, died)
		}
		err = died
	default:
	}
	return err
}

// serverEnv raises, for the bench, what would refuse its uploads: the
// sign-up rate (several users are made at once), the per-user upload
// counts and bytes, the upload size and the HTTP timeouts (a 1M-message
// upload may take longer than the defaults on a slow disk).
func serverEnv() []string {
	return []string{
		"CHATLENS_SIGNUP_RATE=0",
		"CHATLENS_AUTH_FAILURE_RATE=0",
		"CHATLENS_HTTP_READ_TIMEOUT=30m",
		"CHATLENS_HTTP_WRITE_TIMEOUT=30m",
		"CHATLENS_HTTP_REQUEST_TIMEOUT=5m",
	}
}

// bench carries what every phase uses.
type bench struct {
	o          options
	p          *pg
	srv        *server
	postmaster int
	res        *results
	users      int
	copyUser   string // owns the COPY chats and the fill chats' source
	fillUsers  []string
	target     string // the largest imported chat: searched and charted
	targetKey  string
	targetN    int64
}

// newUser signs a user up through the API.
func (b *bench) newUser(ctx context.Context, what string) (id, key string, err error) {
	b.users++
	return b.srv.signUp(ctx, fmt.Sprintf("bench-%s-%d@example.com", what, b.users))
}
