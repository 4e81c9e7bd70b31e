package e2e

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
)

// The crash test's scenario: 20 clients, one user and one chat each,
// request one insight of each of 13 types: 10 made by the test-only slow
// generator, and the 3 AI types, written by a fake provider that hangs,
// fails or answers (crash_ai_test.go); the process is killed (SIGKILL)
// while requests are in flight and jobs run, then started again on the
// same database.
const (
	crashUsers = 20
	crashGrant = 1000 // credits per user: enough for every type twice over
	// crashKillAfter: requests the first process answers before the kill.
	crashKillAfter = 100
	// crashTries bounds the sends of one request (a kill loses at most one).
	crashTries = 3
	// crashAppName marks the test's own database sessions.
	crashAppName = "chatlens-crash-test"
)

// crashEnv is both processes' configuration: short job timeouts (cut to
// 4/5 of the 10 s rescue delay), quick retries and maintenance, and the
// slow generator, 1.5 s a job; the fake AI provider's settings
// (fakeAI.env) come besides.
var crashEnv = []string{
	"CHATLENS_ENV=development",
	"CHATLENS_TEST_GENERATORS=true",
	"CHATLENS_SLOW_GENERATOR_DELAY=1500ms",
	"CHATLENS_WORKERS=8",
	"CHATLENS_JOB_RESCUE_AFTER=10s",
	"CHATLENS_JOB_BACKOFF_BASE=200ms",
	"CHATLENS_JOB_BACKOFF_MAX=1s",
	"CHATLENS_INSIGHTS_RECONCILE_EVERY=2s",
	// Every client comes from 127.0.0.1, and a restarted process knows
	// none of their keys yet: more than AUTH_FAILURE_RATE first requests
	// at once would be refused as guesses.
	"CHATLENS_SIGNUP_RATE=0",
	"CHATLENS_AUTH_FAILURE_RATE=0",
}

// crashType is an insight type of the test.
type crashType struct {
	slug        string
	cost        int64
	maxAttempts int
	timeoutS    int
	generator   string
	// seeded: a type the migrations made, which the test only checks; it
	// creates the others.
	seeded bool
	// ai is what the fake provider does with the type's requests (aiHang,
	// aiFail, aiAnswer); "" for the slow types.
	ai string
}

// crashTypes are the test's types. crash-0's 1 s timeout is shorter than
// the generator, so it fails every attempt and ends failed and refunded
// with no help from the kill; the others' is the longest the rescue delay
// allows (8 s), so that a loaded machine rarely times them out. crash-1..3 get one attempt: a job of theirs
// the kill catches is discarded by the rescuer and its insight must be
// failed and refunded by the maintenance job. The others get two or three
// attempts: a killed job of theirs runs again and its insight ends ready.
func crashTypes() []crashType {
	out := make([]crashType, 10)
	for i := range out {
		ct := crashType{slug: fmt.Sprintf("crash-%d", i), cost: int64(i + 1), timeoutS: 8, generator: "slow"}
		switch {
		case i == 0:
			ct.timeoutS, ct.maxAttempts = 1, 2
		case i <= 3:
			ct.maxAttempts = 1
		case i <= 6:
			ct.maxAttempts = 2
		default:
			ct.maxAttempts = 3
		}
		out[i] = ct
	}
	return out
}

// TestCrashRecovery is the insights' crash test (just test-crash): the
// real binary on PostgreSQL with workers, 20 concurrent clients requesting
// 260 insights (200 of the slow types, 60 of the AI types on a fake
// provider), SIGKILL mid-run, a restart on the same database; then, by
// SQL, every insight is ready, or failed and refunded; every generation
// was charged once; the ledger adds up; and every generation had one job
// that ran to one end. The AI insights end as their provider makes them:
// those it hangs on fail with the class timeout, those it fails with
// provider (or abandoned, when the kill caught their last attempt), and
// those it answers are ready with its answer; it gets no request once
// every insight has settled. Clients send a request the kill lost again
// after the restart, with the same Idempotency-Key where it had one, as a
// real client would. It takes about a minute.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test takes about a minute")
	}
	dsn := pgtest.NewDatabase(t, "e2e_empty", nil)
	exe := buildChatlens(t)
	types := append(crashTypes(), crashAITypes()...)
	fake := startFakeAI(t, types)
	env := append(slices.Clone(crashEnv), fake.env()...)
	first := startChatlens(t, exe, dsn, true, env...)
	dumpLogsOnFailure(t, "first process", first)
	db := openCrashPool(t, dsn)
	srv := &crashServer{}
	srv.started(client(t, first.base))
	cr := &crashRun{srv: srv, db: db, types: types, fake: fake}
	cr.setUp(t, as(first.key))

	ctx, cancel := context.WithCancel(context.Background())
	var clients sync.WaitGroup
	defer func() { cancel(); clients.Wait() }() // also when the test fails early
	began := time.Now()
	for u := range cr.users {
		clients.Go(func() { cr.client(ctx, t, u) })
	}

	kill := cr.killMidRun(t, first)
	killedAt := time.Now()
	second := startChatlens(t, exe, dsn, false, env...)
	dumpLogsOnFailure(t, "second process", second)
	srv.started(client(t, second.base))
	restartedIn := time.Since(killedAt)

	waitFor(t, "every client's requests answered", 3*time.Minute, func() (bool, string) {
		n := cr.done.Load()
		return n == crashUsers, fmt.Sprintf("%d of %d clients done", n, crashUsers)
	})
	recovered := cr.waitSettled(t)
	fake.end()
	second.stop(t)
	fake.drained(t)

	f := cr.verify(t, kill)
	t.Logf("crash test: %d insights requested by %d clients (%d with an Idempotency-Key, each sent twice at once); "+
		"killed %.1fs in, after %d requests were answered, with %d jobs running (%d on their last attempt, %d of AI types, %d AI requests hung) and %d insights pending; "+
		"%d sends lost in flight (%d of them after their insight was stored) and sent again after the restart (%.1fs later); "+
		"the rescuer rescued %d jobs (%d discarded on their last attempt) %.1fs after the kill; every insight settled %.1fs after the kill: "+
		"%d ready, %d failed (%d timed out, %d provider failures, %d abandoned), %d generations started again after a failure; "+
		"the AI types: %s; "+
		"the ledger holds %d spends and %d refunds; %d problems found",
		len(cr.requests), crashUsers, cr.keyed(), kill.at.Sub(began).Seconds(), kill.answered,
		len(kill.running), kill.lastAttempt, kill.ai, kill.hung, kill.pending, cr.lost.Load(), f.lostStored, restartedIn.Seconds(),
		f.rescued, f.abandoned, f.rescuedAfter.Seconds(), recovered.Sub(killedAt).Seconds(),
		f.ready, f.failed, f.timedOut, f.provider, f.abandoned, f.regenerated, cr.aiOutcomes(f), f.spends, f.refunds, f.problems)
}

// crashRun is the scenario's state, shared by the clients and the checks.
type crashRun struct {
	srv      *crashServer
	db       *pgxpool.Pool
	types    []crashType
	fake     *fakeAI
	users    []crashUser
	requests []*crashRequest
	answered atomic.Int64 // requests the first process answered
	inFlight atomic.Int64 // sends waiting for their answer
	lost     atomic.Int64 // sends that got no answer
	done     atomic.Int64 // clients finished
}

type crashUser struct {
	id       string
	chat     openapi_types.UUID
	key      RequestEditorFn
	requests []*crashRequest // one per type, in the order sent
}

// crashRequest is one insight request of a client and what it got.
type crashRequest struct {
	user int
	typ  crashType
	key  string // Idempotency-Key, "" for none; a keyed request is sent twice at once
	mu   sync.Mutex
	ids  []string // the insight of each answer
	lost int      // sends the kill lost
}

func (cr *crashRun) keyed() int {
	n := 0
	for _, r := range cr.requests {
		if r.key != "" {
			n++
		}
	}
	return n
}

// setUp creates the types, the users with their credits and chats, and
// the requests each client sends.
func (cr *crashRun) setUp(t *testing.T, admin RequestEditorFn) {
	t.Helper()
	ctx := context.Background()
	c, _, _ := cr.srv.current()
	cr.checkSeeded(t, c)
	for i, ct := range cr.types {
		if ct.seeded {
			continue
		}
		body := PutInsightTypeJSONRequestBody{
			Category: []string{"activity", "conversation"}[i%2], Name: "Crash " + ct.slug, Description: "The crash test's slow type.",
			Cost: ct.cost, Generator: ct.generator, TimeoutSeconds: int64(ct.timeoutS), MaxAttempts: int64(ct.maxAttempts), Active: true,
		}
		put := must(c.PutInsightTypeWithResponse(ctx, ct.slug, nil, body, admin))(t)
		if put.JSON201 == nil {
			t.Fatalf("put insight type %s: %s", ct.slug, describe(put, put.Body))
		}
	}
	for u := range crashUsers {
		signUp := must(c.SignUpWithResponse(ctx, SignUpJSONRequestBody{Email: fmt.Sprintf("crash%02d@example.com", u), DisplayName: "Crash"}))(t)
		if signUp.JSON201 == nil {
			t.Fatalf("sign up: %s", describe(signUp, signUp.Body))
		}
		key := as(signUp.JSON201.ApiKey.Secret)
		grant := GrantCreditsJSONRequestBody{UserId: signUp.JSON201.User.Id, Amount: crashGrant, Reference: "crash-grant"}
		if g := must(c.GrantCreditsWithResponse(ctx, grant, admin))(t); g.JSON201 == nil {
			t.Fatalf("grant: %s", describe(g, g.Body))
		}
		body, ct := chatForm(t, chatExport)
		up := must(c.UploadChatWithBodyWithResponse(ctx, ct, body, key))(t)
		if up.JSON201 == nil {
			t.Fatalf("upload: %s", describe(up, up.Body))
		}
		user := crashUser{id: signUp.JSON201.User.Id.String(), chat: up.JSON201.Id, key: key}
		order := rand.Perm(len(cr.types))
		if u%2 == 0 {
			// Half the clients ask for the AI types first, so that AI
			// jobs run, and the fake hangs on some, when the kill comes.
			rank := func(i int) int {
				if cr.types[i].ai != "" {
					return 0
				}
				return 1
			}
			slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rank(a), rank(b)) })
		}
		for _, i := range order {
			r := &crashRequest{user: u, typ: cr.types[i]}
			if (u+i)%2 == 0 {
				r.key = fmt.Sprintf("crash-%d-%s", u, cr.types[i].slug)
			}
			user.requests = append(user.requests, r)
			cr.requests = append(cr.requests, r)
		}
		cr.users = append(cr.users, user)
	}
}

// client sends one user's requests, a short random pause apart, so that
// the kill finds some answered and some still to send.
func (cr *crashRun) client(ctx context.Context, t *testing.T, u int) {
	defer cr.done.Add(1)
	for _, r := range cr.users[u].requests {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(100+rand.IntN(400)) * time.Millisecond):
		}
		sends := 1
		if r.key != "" {
			sends = 2 // at once: the second must find the first's key
		}
		var both sync.WaitGroup
		firstAnswer := atomic.Bool{}
		for range sends {
			both.Go(func() {
				if run, ok := cr.send(ctx, t, r); ok && run == 1 && !firstAnswer.Swap(true) {
					cr.answered.Add(1)
				}
			})
		}
		both.Wait()
	}
}

// send sends r until a process answers it, waiting for the next start
// after a send the kill lost; it returns the start that answered.
func (cr *crashRun) send(ctx context.Context, t *testing.T, r *crashRequest) (int, bool) {
	u := cr.users[r.user]
	var params *RequestInsightParams
	if r.key != "" {
		params = &RequestInsightParams{IdempotencyKey: ptr(r.key)}
	}
	for try := 1; try <= crashTries; try++ {
		c, run, up := cr.srv.current()
		if c == nil {
			select {
			case <-up:
				continue
			case <-ctx.Done():
				return 0, false
			}
		}
		cr.inFlight.Add(1)
		resp, err := c.RequestInsightWithResponse(ctx, u.chat, params, RequestInsightJSONRequestBody{Type: r.typ.slug}, u.key)
		cr.inFlight.Add(-1)
		if err != nil {
			if ctx.Err() != nil {
				return 0, false
			}
			if _, now, _ := cr.srv.current(); now == run && cr.srv.isUp() {
				t.Errorf("%s of user %d: a send failed with no kill: %v", r.typ.slug, r.user, err)
				return 0, false
			}
			cr.lost.Add(1)
			r.mu.Lock()
			r.lost++
			r.mu.Unlock()
			continue
		}
		in := resp.JSON202
		if in == nil {
			in = resp.JSON200
		}
		if in == nil {
			t.Errorf("%s of user %d: %s", r.typ.slug, r.user, describe(resp, resp.Body))
			return 0, false
		}
		r.mu.Lock()
		r.ids = append(r.ids, in.Id.String())
		r.mu.Unlock()
		return run, true
	}
	t.Errorf("%s of user %d: no answer in %d sends", r.typ.slug, r.user, crashTries)
	return 0, false
}

// crashServer is the process the clients talk to, which the test kills
// and starts again.
type crashServer struct {
	mu  sync.Mutex
	run int                  // starts so far
	c   *ClientWithResponses // nil while down
	up  chan struct{}        // closed at the next start
}

// current returns the client of the running process and its start, or nil
// and a channel closed at the next start.
func (s *crashServer) current() (*ClientWithResponses, int, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c, s.run, s.up
}

func (s *crashServer) isUp() bool {
	c, _, _ := s.current()
	return c != nil
}

// down marks the process gone, before it is killed, so that every send the
// kill loses finds it down.
func (s *crashServer) down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c, s.up = nil, make(chan struct{})
}

func (s *crashServer) started(c *ClientWithResponses) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c = c
	s.run++
	if s.up != nil {
		close(s.up)
	}
}

// crashKill is what the kill left behind.
type crashKill struct {
	at          time.Time
	answered    int64                    // requests the first process answered
	running     map[int64]crashKilledJob // the generate jobs whose worker died, by id
	lastAttempt int                      // of them, those on their last attempt
	ai          int                      // of them, those of an AI type
	hung        int64                    // AI requests the fake hung on when the process died
	pending     int                      // insights pending
}

type crashKilledJob struct{ attempt, maxAttempts int }

// killMidRun kills the first process with SIGKILL once it has answered
// crashKillAfter requests and runs jobs, one of them on its last attempt:
// at the first moment it has requests in flight while the fake AI provider
// hangs on one of its requests (so the kill cuts an AI call too), else,
// after about a second, at one with requests in flight, and after about
// two at any. Then it reads what the process left once its database
// sessions are gone (a COMMIT it sent just before dying may still land
// until then).
func (cr *crashRun) killMidRun(t *testing.T, b *binary) crashKill {
	t.Helper()
	ctx := context.Background()
	polls := 0 // while the jobs are as wanted, waiting for requests in flight
	waitFor(t, "a moment to kill: requests answered, jobs running, one on its last attempt", time.Minute, func() (bool, string) {
		var running, last int
		err := cr.db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE attempt >= max_attempts)
			FROM river_job WHERE kind = 'insight.generate' AND state = 'running'`).Scan(&running, &last)
		if err != nil {
			return false, err.Error()
		}
		answered, inFlight, hung := cr.answered.Load(), cr.inFlight.Load(), cr.fake.hanging.Load()
		state := fmt.Sprintf("%d requests answered, %d sends in flight, %d jobs running, %d on their last attempt, %d AI requests hung",
			answered, inFlight, running, last, hung)
		if answered < crashKillAfter || last < 1 || running == last {
			return false, state
		}
		polls++
		switch {
		case inFlight > 0 && hung > 0, polls > 100, cr.done.Load() == crashUsers:
			return true, state
		}
		return inFlight > 0 && polls > 50, state
	})
	cr.srv.down()
	hung := cr.fake.hanging.Load()
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	<-b.done
	k := crashKill{at: time.Now(), answered: cr.answered.Load(), running: map[int64]crashKilledJob{}, hung: hung}
	waitFor(t, "the killed process's database sessions to end", 30*time.Second, func() (bool, string) {
		var n int
		err := cr.db.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND backend_type = 'client backend' AND application_name <> $1`, crashAppName).Scan(&n)
		if err != nil {
			return false, err.Error()
		}
		return n == 0, fmt.Sprintf("%d sessions left", n)
	})
	rows, err := cr.db.Query(ctx, `SELECT id, attempt, max_attempts,
		coalesce((SELECT type FROM insights WHERE id = (args->'args'->>'insight')::uuid), '')
		FROM river_job WHERE kind = 'insight.generate' AND state = 'running'`)
	if err != nil {
		t.Fatalf("jobs left running: %v", err)
	}
	for rows.Next() {
		var id int64
		var j crashKilledJob
		var typ string
		if err := rows.Scan(&id, &j.attempt, &j.maxAttempts, &typ); err != nil {
			t.Fatalf("jobs left running: %v", err)
		}
		k.running[id] = j
		if j.attempt >= j.maxAttempts {
			k.lastAttempt++
		}
		if ct, ok := cr.typeOf(typ); ok && ct.ai != "" {
			k.ai++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("jobs left running: %v", err)
	}
	if err := cr.db.QueryRow(ctx, `SELECT count(*) FROM insights WHERE status = 'pending'`).Scan(&k.pending); err != nil {
		t.Fatalf("pending insights: %v", err)
	}
	if len(k.running) == 0 {
		t.Fatal("the kill caught no job running: the test recovered nothing (the process finished them before it died)")
	}
	return k
}

// waitSettled waits until no insight is pending and every generate job
// has ended, and returns when.
func (cr *crashRun) waitSettled(t *testing.T) time.Time {
	t.Helper()
	waitFor(t, "every insight settled and every job ended", 3*time.Minute, func() (bool, string) {
		var pending, open int
		err := cr.db.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM insights WHERE status = 'pending'),
			(SELECT count(*) FROM river_job WHERE kind = 'insight.generate' AND state NOT IN ('completed', 'cancelled', 'discarded'))`).
			Scan(&pending, &open)
		if err != nil {
			return false, err.Error()
		}
		return pending == 0 && open == 0, fmt.Sprintf("%d insights pending, %d jobs not ended", pending, open)
	})
	return time.Now()
}

// waitFor polls cond until it holds, failing t after limit with what cond
// said last.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last: %s", limit, what, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// buildChatlens builds the binary once, for both starts.
func buildChatlens(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "chatlens")
	if out, err := exec.Command("go", "build", "-o", exe, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// startChatlens runs `chatlens serve` from exe on dsn as startBinary does
// and waits until it listens. Only the first start on a database prints
// the bootstrap admin's key (firstStart): a restart finds the admin.
func startChatlens(t *testing.T, exe, dsn string, firstStart bool, env ...string) *binary {
	t.Helper()
	stdout := newOutput(adminKeyLine)
	b := &binary{stderr: newOutput(listeningLine), done: make(chan struct{})}
	b.cmd = exec.Command(exe, "serve")
	b.cmd.Env = append(os.Environ(), "CHATLENS_DATABASE_URL="+dsn, "CHATLENS_ADDR=127.0.0.1:0",
		"CHATLENS_ADMIN_EMAIL=admin@example.com", "CHATLENS_INTERNAL_ADDR=")
	b.cmd.Env = append(b.cmd.Env, env...)
	b.cmd.Stdout, b.cmd.Stderr = stdout, b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		b.err = b.cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		<-b.done
	})
	want := 1
	if firstStart {
		want = 2
	}
	for got := 0; got < want; {
		select {
		case a := <-b.stderr.found:
			b.base, got = "http://"+a, got+1
		case k := <-stdout.found:
			b.key, got = k, got+1
		case <-b.done:
			t.Fatalf("chatlens exited at start: %v\n%s", b.err, b.stderr)
		case <-time.After(2 * time.Minute):
			t.Fatalf("chatlens did not start:\n%s", b.stderr)
		}
	}
	return b
}

// dumpLogsOnFailure logs the end of a process's logs, and its errors, if
// the test fails.
func dumpLogsOnFailure(t *testing.T, name string, b *binary) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		lines := strings.Split(strings.TrimSpace(b.stderr.String()), "\n")
		var errs []string
		for _, l := range lines {
			if strings.Contains(l, `"level":"ERROR"`) && len(errs) < 20 {
				errs = append(errs, l)
			}
		}
		t.Logf("%s: its first errors:\n%s\nits last log lines:\n%s", name,
			strings.Join(errs, "\n"), strings.Join(lines[max(0, len(lines)-30):], "\n"))
	})
}

// openCrashPool opens the test's own connections to the database, marked
// so the kill can tell them from the process's.
func openCrashPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = crashAppName
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
