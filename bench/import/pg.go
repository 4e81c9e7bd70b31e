package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
)

// pg is the bench database seen from the harness: an admin connection for
// set-up and psql for everything timed.
type pg struct {
	cluster *pgtest.Cluster
	db      *sql.DB
	dbname  string
}

// psql runs script through psql (no .psqlrc, stop at the first error,
// unaligned tuples only) and returns its standard output.
func (p *pg) psql(ctx context.Context, script string) (string, error) {
	cmd := p.cluster.Command(ctx, p.dbname, "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("psql: %w: %s", err, truncate(errb.Bytes(), 800))
	}
	return out.String(), nil
}

var timingLine = regexp.MustCompile(`(?m)^Time: ([0-9.]+) ms`)

// timed runs the statements through one psql session with \timing on and
// returns the time psql measured for each (from sending the statement to
// the last row received), their rows discarded.
func (p *pg) timed(ctx context.Context, stmts []string) ([]time.Duration, error) {
	var b strings.Builder
	b.WriteString("\\timing on\n")
	for _, s := range stmts {
		b.WriteString(strings.TrimRight(strings.TrimSpace(s), ";"))
		b.WriteString(";\n")
	}
	out, err := p.psql(ctx, b.String())
	if err != nil {
		return nil, err
	}
	var ds []time.Duration
	for _, m := range timingLine.FindAllStringSubmatch(out, -1) {
		ms, _ := strconv.ParseFloat(m[1], 64)
		ds = append(ds, time.Duration(ms*float64(time.Millisecond)))
	}
	if len(ds) != len(stmts) {
		return nil, fmt.Errorf("psql printed %d timings for %d statements", len(ds), len(stmts))
	}
	return ds, nil
}

// columns lists a table's columns that can be written (not generated), in
// table order, so the harness follows schema changes.
func (p *pg) columns(ctx context.Context, table string) ([]string, error) {
	rows, err := p.db.QueryContext(ctx, `
SELECT column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s has no columns (not migrated?)", table)
	}
	return cols, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteLit(s string) string   { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// selectList is cols with some replaced by expressions.
func selectList(cols []string, replace map[string]string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		if e, ok := replace[c]; ok {
			parts[i] = e + " AS " + quoteIdent(c)
		} else {
			parts[i] = quoteIdent(c)
		}
	}
	return strings.Join(parts, ", ")
}

func identList(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quoteIdent(c)
	}
	return strings.Join(parts, ", ")
}

// cloneChat inserts a chats row for newID owned by user, a copy of src
// with its own file digest (the same file from the same user is one live
// chat), so that messages under newID satisfy the foreign key.
func (p *pg) cloneChat(ctx context.Context, src, newID, user string) error {
	cols, err := p.columns(ctx, "chats")
	if err != nil {
		return err
	}
	sel := selectList(cols, map[string]string{
		"id":      quoteLit(newID) + "::uuid",
		"user_id": quoteLit(user) + "::uuid",
		"sha256":  "encode(sha256(convert_to(" + quoteLit(newID) + ", 'UTF8')), 'hex')",
	})
	q := "INSERT INTO chats (" + identList(cols) + ") SELECT " + sel + " FROM chats WHERE id = " + quoteLit(src) + "::uuid"
	res, err := p.db.ExecContext(ctx, q)
	if err != nil {
		return fmt.Errorf("clone chat: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("clone chat: chat %s not found", src)
	}
	return nil
}

// newUUID asks the server for a random UUID.
func (p *pg) newUUID(ctx context.Context) (string, error) {
	var id string
	err := p.db.QueryRowContext(ctx, "SELECT gen_random_uuid()::text").Scan(&id)
	return id, err
}

// exportRows writes the rows of chat src, every writable column, with
// newID as their chat, to file in COPY's text format (psql \copy, ordered
// by seq as the import wrote them).
func (p *pg) exportRows(ctx context.Context, src, newID, file string) (cols []string, err error) {
	cols, err = p.columns(ctx, "messages")
	if err != nil {
		return nil, err
	}
	sel := selectList(cols, map[string]string{"chat_id": quoteLit(newID) + "::uuid"})
	q := `\copy (SELECT ` + sel + ` FROM messages WHERE chat_id = ` + quoteLit(src) + `::uuid ORDER BY seq) TO ` + quoteLit(file)
	if _, err := p.psql(ctx, q+"\n"); err != nil {
		return nil, err
	}
	return cols, os.Chmod(file, 0o644)
}

// copyFrom runs COPY messages (cols) FROM file in psql: the server reads
// the file itself, so this is PostgreSQL's own bulk load into the same
// table with the same indexes and the durable commit, nothing in front.
func (p *pg) copyFrom(ctx context.Context, cols []string, file string) (time.Duration, error) {
	ds, err := p.timed(ctx, []string{"COPY messages (" + identList(cols) + ") FROM " + quoteLit(file)})
	if err != nil {
		return 0, err
	}
	return ds[0], nil
}

// count returns how many messages the table holds.
func (p *pg) count(ctx context.Context) (int64, error) {
	var n int64
	err := p.db.QueryRowContext(ctx, "SELECT count(*) FROM messages").Scan(&n)
	return n, err
}

// copyChat copies chat src's messages under a new chat of user with one
// INSERT … SELECT (the fill of the search table: no HTTP, no parse).
func (p *pg) copyChat(ctx context.Context, src, user string) (string, error) {
	id, err := p.newUUID(ctx)
	if err != nil {
		return "", err
	}
	if err := p.cloneChat(ctx, src, id, user); err != nil {
		return "", err
	}
	cols, err := p.columns(ctx, "messages")
	if err != nil {
		return "", err
	}
	q := "INSERT INTO messages (" + identList(cols) + ") SELECT " +
		selectList(cols, map[string]string{"chat_id": quoteLit(id) + "::uuid"}) +
		" FROM messages WHERE chat_id = " + quoteLit(src) + "::uuid"
	_, err = p.db.ExecContext(ctx, q)
	return id, err
}

// postmasterPID reads the cluster's postmaster.pid.
func postmasterPID(c *pgtest.Cluster) (int, error) {
	data, err := os.ReadFile(filepath.Join(c.DataDir(), "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}

// statement is one statement the server ran, as the PostgreSQL log wrote
// it, with its bind parameters put back in as literals.
type statement struct {
	PID      string
	Duration float64 // ms, as logged
	SQL      string
}

var (
	logEntry = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (LOG|DETAIL):  `)
	logStmt  = regexp.MustCompile(`(?s)^duration: ([0-9.]+) ms  (?:statement|execute [^:]*): (.*)$`)
	logParam = regexp.MustCompile(`\$(\d+) = (NULL|'(?:[^']|'')*')`)
	dollarN  = regexp.MustCompile(`\$(\d+)\b`)
)

// captureStatements logs every statement (log_min_duration_statement = 0,
// through ALTER SYSTEM and a reload, so the server's pooled connections
// see it too) while do runs, and returns the statements other sessions than
// the harness's own ran meanwhile.
func (p *pg) captureStatements(ctx context.Context, do func() error) ([]statement, error) {
	logPath := p.cluster.LogPath()
	st, err := os.Stat(logPath)
	if err != nil {
		return nil, err
	}
	start := st.Size()
	conn, err := p.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var self string
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()::text").Scan(&self); err != nil {
		return nil, err
	}
	set := func(on bool) error {
		q := "ALTER SYSTEM RESET log_min_duration_statement"
		if on {
			q = "ALTER SYSTEM SET log_min_duration_statement = 0"
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, "SELECT pg_reload_conf()")
		time.Sleep(300 * time.Millisecond) // backends read the reload between commands
		return err
	}
	if err := set(true); err != nil {
		return nil, err
	}
	doErr := do()
	if err := set(false); err != nil {
		return nil, err
	}
	if doErr != nil {
		return nil, doErr
	}
	f, err := os.Open(logPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(start, 0); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	return parseLog(buf.String(), self), nil
}

// parseLog reads statements and their parameters out of a log excerpt,
// skipping the session with pid skip.
func parseLog(text, skip string) []statement {
	idx := logEntry.FindAllStringSubmatchIndex(text, -1)
	var out []statement
	for i, m := range idx {
		end := len(text)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		pid, kind, body := text[m[2]:m[3]], text[m[4]:m[5]], strings.TrimRight(text[m[1]:end], "\n")
		if pid == skip {
			continue
		}
		switch kind {
		case "LOG":
			if sm := logStmt.FindStringSubmatch(body); sm != nil {
				d, _ := strconv.ParseFloat(sm[1], 64)
				out = append(out, statement{PID: pid, Duration: d, SQL: unindent(sm[2])})
			}
		case "DETAIL":
			if len(out) > 0 && out[len(out)-1].PID == pid && strings.HasPrefix(body, "parameters: ") {
				out[len(out)-1].SQL = bind(out[len(out)-1].SQL, body)
			}
		}
	}
	return out
}

// unindent removes the tab PostgreSQL puts before each continuation line.
func unindent(s string) string { return strings.ReplaceAll(s, "\n\t", "\n") }

// bind puts the logged parameter values into the statement's $n
// placeholders (highest first would not matter: \b ends each number).
func bind(sql, detail string) string {
	vals := map[string]string{}
	for _, m := range logParam.FindAllStringSubmatch(detail, -1) {
		vals[m[1]] = m[2]
	}
	return dollarN.ReplaceAllStringFunc(sql, func(s string) string {
		if v, ok := vals[s[1:]]; ok {
			return v
		}
		return s
	})
}

// messagesStatements picks, among a request's statements, those reading
// the messages table (the search), in order.
func messagesStatements(stmts []statement) []statement {
	re := regexp.MustCompile(`(?is)\bfrom\s+(\(\s*select\s.*?\bfrom\s+)?("?public"?\.)?"?messages"?\b`)
	var out []statement
	for _, s := range stmts {
		if re.MatchString(s.SQL) {
			out = append(out, s)
		}
	}
	return out
}

// wordFrequencies returns the lexemes of chat id's search column with the
// number of messages holding each, most frequent first.
func (p *pg) wordFrequencies(ctx context.Context, chat string) ([]wordFreq, error) {
	inner := "SELECT search FROM messages WHERE chat_id = " + quoteLit(chat) + "::uuid"
	rows, err := p.db.QueryContext(ctx, "SELECT word, ndoc FROM ts_stat("+quoteLit(inner)+") ORDER BY ndoc DESC, word")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wordFreq
	for rows.Next() {
		var w wordFreq
		if err := rows.Scan(&w.Word, &w.Docs); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Docs > out[j].Docs })
	return out, rows.Err()
}

type wordFreq struct {
	Word string
	Docs int64
}

// explain runs EXPLAIN (ANALYZE, BUFFERS) of sql and returns the plan.
func (p *pg) explain(ctx context.Context, sql string) (string, error) {
	return p.psql(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+strings.TrimRight(strings.TrimSpace(sql), ";")+";\n")
}
