package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
)

// pgbenchScript is the SQL of one spend, statement for statement what the
// credits service sends (lock the account, check the user is live, insert
// the ledger entry if its reference is new, write the balance), at READ
// COMMITTED with a waiting FOR UPDATE: pgbench cannot continue past a NOWAIT
// error, and this is the fastest correct form, so it is the limit.
const pgbenchScript = `\set n random(1, :accounts)
BEGIN;
SELECT balance FROM credit_accounts WHERE user_id = ` + accountIDSQL + ` FOR UPDATE \gset
SELECT id, email FROM users WHERE id = ` + accountIDSQL + ` AND deleted_at IS NULL;
INSERT INTO credit_ledger (id, user_id, amount, balance_after, kind, reference, created_at)
  VALUES (gen_random_uuid(), ` + accountIDSQL + `, -1, :balance - 1, 'spend', 'pgb-' || gen_random_uuid(), now())
  ON CONFLICT (user_id, reference) DO NOTHING;
UPDATE credit_accounts SET balance = :balance - 1, updated_at = now() WHERE user_id = ` + accountIDSQL + `;
END;
`

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// runPgbench runs the limit for d with workers clients on accounts accounts.
// pgbenchMode is pgbench's query protocol: "prepared" (parse and plan once
// per connection) is the limit; "extended" plans every statement, as our
// unprepared client-formatted statements are.
var pgbenchMode = "prepared"

func runPgbench(ctx context.Context, cluster *pgtest.Cluster, workers, accounts int, d time.Duration) (result, error) {
	dir, err := os.MkdirTemp("", "pgbench")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "spend.sql")
	if err := os.WriteFile(script, []byte(pgbenchScript), 0o644); err != nil {
		return result{}, err
	}
	secs := max(int(d.Round(time.Second)/time.Second), 1)
	cmd := cluster.Command(ctx, dbName, "pgbench", "-n", "-M", pgbenchMode,
		"-c", strconv.Itoa(workers), "-j", "2", "-T", strconv.Itoa(secs),
		"-D", "accounts="+strconv.Itoa(accounts), "-f", script,
		"-l", "--log-prefix="+filepath.Join(dir, "log"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return result{}, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	lat, err := readLogs(dir)
	if err != nil {
		return result{}, err
	}
	p50, p99 := latencies(lat)
	// elapsed is chosen so that opsPerSec reports pgbench's own tps.
	ops := int64(len(lat))
	return result{ops: ops, elapsed: time.Duration(float64(ops) / tps * float64(time.Second)), p50: p50, p99: p99}, nil
}

// readLogs reads pgbench's per-transaction logs: the third field is the
// latency in microseconds.
func readLogs(dir string) ([]time.Duration, error) {
	files, err := filepath.Glob(filepath.Join(dir, "log*"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no pgbench logs in %s: %v", dir, err)
	}
	var lat []time.Duration
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				continue
			}
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
		fh.Close()
	}
	return lat, nil
}
