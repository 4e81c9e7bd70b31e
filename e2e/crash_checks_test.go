package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The crash test's checks, by SQL once both processes are done: what the
// rows say, whatever the clients saw.

// crashFigures are what the checks counted, for the summary.
type crashFigures struct {
	ready, failed, timedOut, provider, abandoned int
	ai                                           map[string]map[string]int // the AI types' insights, by type and end ("ready", or the class)
	regenerated                                  int                       // generations started after a failed one
	spends, refunds                              int                       // ledger entries
	problems                                     int
	rescued                                      int           // jobs the rescuer rescued
	rescuedAfter                                 time.Duration // from the kill to the first rescue
	lostStored                                   int           // requests the kill cut off after their insight was stored
}

type dbInsight struct {
	id, user, chat, typ, status, jobID, class, result string
	generation, cost                                  int64
	attempts                                          int
	completed                                         bool
	created                                           time.Time
}

type dbJob struct {
	id                   int64
	state                string
	attempt, maxAttempts int
	insight              string
	generation           int64
	errors, rescues      int // errors recorded, and of them the rescuer's
	rescuedAt            *time.Time
}

type dbEntry struct {
	user, kind, ref string
	amount, after   int64
}

// crashProblems collects what the checks found wrong.
type crashProblems []string

func (p *crashProblems) add(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// verify checks the rows and returns the figures.
func (cr *crashRun) verify(t *testing.T, kill crashKill) crashFigures {
	t.Helper()
	ins, jobs, ledger, balances := cr.load(t)
	var p crashProblems
	f := crashFigures{ai: map[string]map[string]int{}}
	cr.checkRequests(&p, &f, ins, kill)
	cr.checkJobs(&p, &f, ins, jobs, kill)
	cr.checkLedger(&p, &f, ins, ledger, balances)
	cr.checkFake(&p)
	f.problems = len(p)
	for i, msg := range p {
		if i == 25 {
			t.Errorf("… and %d more problems", len(p)-i)
			break
		}
		t.Error(msg)
	}
	return f
}

// checkRequests: every request's answers name the one insight of its
// (chat, type), which a keyed request charged once (generation 1).
func (cr *crashRun) checkRequests(p *crashProblems, f *crashFigures, ins []dbInsight, kill crashKill) {
	if len(ins) != len(cr.requests) {
		p.add("%d insights for %d requests", len(ins), len(cr.requests))
	}
	byChatType := map[string]dbInsight{}
	for _, in := range ins {
		byChatType[in.chat+"/"+in.typ] = in
	}
	for _, r := range cr.requests {
		in, ok := byChatType[cr.users[r.user].chat.String()+"/"+r.typ.slug]
		if !ok {
			p.add("user %d's request of %s: no insight", r.user, r.typ.slug)
			continue
		}
		for _, id := range r.ids {
			if id != in.id {
				p.add("user %d's request of %s was answered with insight %s, but its insight is %s", r.user, r.typ.slug, id, in.id)
			}
		}
		if r.lost > 0 && in.created.Before(kill.at) {
			f.lostStored++
		}
		if r.key != "" && in.generation != 1 {
			p.add("insight %s, requested with an Idempotency-Key only, is at generation %d: charged again", in.id, in.generation)
		}
	}
}

// checkJobs: every insight settled, and every generation had exactly one
// job, which ended as its insight says: completed with the result of its
// last attempt, every earlier attempt failed or rescued; or discarded on
// its last attempt. Every job the kill caught was rescued.
func (cr *crashRun) checkJobs(p *crashProblems, f *crashFigures, ins []dbInsight, jobs []dbJob, kill crashKill) {
	byGeneration, byID := map[string][]dbJob{}, map[int64]dbJob{}
	for _, j := range jobs {
		key := j.insight + "#" + strconv.FormatInt(j.generation, 10)
		byGeneration[key] = append(byGeneration[key], j)
		byID[j.id] = j
		if j.state != "completed" && j.state != "discarded" {
			p.add("job %d of insight %s ended %s", j.id, j.insight, j.state)
		}
		if j.rescues > 0 {
			f.rescued++
			if d := j.rescuedAt.Sub(kill.at); f.rescuedAfter == 0 || d < f.rescuedAfter {
				f.rescuedAfter = d
			}
		}
	}
	generations := 0
	for _, in := range ins {
		generations += int(in.generation)
		f.regenerated += int(in.generation - 1)
		var cur dbJob
		for g := int64(1); g <= in.generation; g++ {
			js := byGeneration[in.id+"#"+strconv.FormatInt(g, 10)]
			if len(js) != 1 {
				p.add("insight %s generation %d has %d jobs, not one", in.id, g, len(js))
				continue
			}
			if g < in.generation && js[0].state != "discarded" {
				p.add("insight %s generation %d, overtaken by a later one, has its job %s", in.id, g, js[0].state)
			}
			cur = js[0]
		}
		if cur.id == 0 {
			continue
		}
		if strconv.FormatInt(cur.id, 10) != in.jobID {
			p.add("insight %s names job %s, not its generation's %d", in.id, in.jobID, cur.id)
		}
		cr.checkSettled(p, f, in, cur)
	}
	if len(jobs) != generations {
		p.add("%d generate jobs for %d generations", len(jobs), generations)
	}
	for id, k := range kill.running {
		j, ok := byID[id]
		switch {
		case !ok:
			p.add("job %d, running at the kill, is gone", id)
		case j.rescues == 0:
			p.add("job %d, running at the kill (attempt %d of %d), was never rescued", id, k.attempt, k.maxAttempts)
		case k.attempt < k.maxAttempts && j.attempt <= k.attempt:
			p.add("job %d, killed on attempt %d of %d, never ran again", id, k.attempt, k.maxAttempts)
		case k.attempt >= k.maxAttempts && j.state != "discarded":
			p.add("job %d, killed on its last attempt, ended %s", id, j.state)
		}
	}
}

// checkSettled checks one insight against its current generation's job.
// A slow type's insight is ready with the slow generator's result, or
// failed timeout (crash-0's every attempt) or abandoned; an AI type's is
// what its fake provider makes of it (checkAIReady, aiFailClass).
func (cr *crashRun) checkSettled(p *crashProblems, f *crashFigures, in dbInsight, j dbJob) {
	if !in.completed {
		p.add("insight %s is %s with no completed_at", in.id, in.status)
	}
	ct, ok := cr.typeOf(in.typ)
	if !ok {
		p.add("insight %s is of %s, a type the test did not request", in.id, in.typ)
		return
	}
	if ct.ai != "" {
		if f.ai[ct.slug] == nil {
			f.ai[ct.slug] = map[string]int{}
		}
		f.ai[ct.slug][strings.TrimSpace(in.status+" "+in.class)]++
	}
	switch in.status {
	case "ready":
		f.ready++
		switch {
		case !resultOK(p, in, ct):
		case in.class != "":
			p.add("ready insight %s has error class %s", in.id, in.class)
		case in.typ == "crash-0":
			p.add("insight %s of crash-0 is ready, though its every attempt times out", in.id)
		case j.state != "completed":
			p.add("ready insight %s has its job %d %s", in.id, j.id, j.state)
		case j.attempt != in.attempts || j.errors != j.attempt-1:
			p.add("ready insight %s: made by attempt %d, its job %d ran %d attempts with %d errors: an attempt ended twice or not at all",
				in.id, in.attempts, j.id, j.attempt, j.errors)
		}
	case "failed":
		f.failed++
		switch {
		case in.result != "":
			p.add("failed insight %s has a result", in.id)
		case j.state != "discarded" || j.attempt != j.maxAttempts:
			p.add("failed insight %s has its job %d %s after attempt %d of %d", in.id, j.id, j.state, j.attempt, j.maxAttempts)
		case in.class == "abandoned":
			f.abandoned++
			if j.rescues == 0 {
				p.add("insight %s was abandoned, but its job %d was never rescued", in.id, j.id)
			}
		case in.class != aiFailClass(ct):
			p.add("failed insight %s of %s has error class %q", in.id, in.typ, in.class)
		default:
			if in.class == "timeout" {
				f.timedOut++
			} else {
				f.provider++
			}
			if in.attempts != j.attempt {
				p.add("insight %s failed %s on attempt %d, but its job ran %d", in.id, in.class, in.attempts, j.attempt)
			}
		}
	default:
		p.add("insight %s is %s: no chat was deleted, and it should have settled", in.id, in.status)
	}
}

// aiFailClass is the class an insight of ct fails with when every attempt
// ran to its end: timeout for the slow types (crash-0's every attempt; the
// others' on a loaded machine) and for the AI type whose requests hang,
// provider for the one whose requests fail; none for the one answered.
func aiFailClass(ct crashType) string {
	switch ct.ai {
	case "", aiHang:
		return "timeout"
	case aiFail:
		return "provider"
	}
	return ""
}

// resultOK checks a ready insight's result: the slow generator's for a
// slow type, the fake provider's answer for an AI type (checkAIReady).
func resultOK(p *crashProblems, in dbInsight, ct crashType) bool {
	if ct.ai != "" {
		return checkAIReady(p, in, ct)
	}
	if !strings.Contains(in.result, `"slept_ms"`) {
		p.add("ready insight %s has no result of the slow generator: %q", in.id, in.result)
		return false
	}
	return true
}

func (cr *crashRun) typeOf(slug string) (crashType, bool) {
	for _, ct := range cr.types {
		if ct.slug == slug {
			return ct, true
		}
	}
	return crashType{}, false
}

// checkLedger: each generation charged once, each failed one refunded
// once, nothing else; every balance is the sum of its ledger, each entry's
// balance_after the sum so far; each user's is the grant less the insights
// made.
func (cr *crashRun) checkLedger(p *crashProblems, f *crashFigures, ins []dbInsight, ledger []dbEntry, balances map[string]int64) {
	byRef, sums := map[string]dbEntry{}, map[string]int64{}
	for _, e := range ledger {
		switch e.kind {
		case "spend":
			f.spends++
		case "refund":
			f.refunds++
		}
		sums[e.user] += e.amount
		if e.after != sums[e.user] {
			p.add("user %s: entry %s has balance_after %d, the sum so far is %d", e.user, e.ref, e.after, sums[e.user])
		}
		byRef[e.user+" "+e.ref] = e
	}
	cost := map[string]int64{}
	for _, ct := range cr.types {
		cost[ct.slug] = ct.cost
	}
	// expect takes the entry of ref off byRef, which ends with the
	// entries nothing explains.
	expect := func(user, of, kind, ref string, amount int64) {
		e, ok := byRef[user+" "+ref]
		switch {
		case !ok:
			p.add("%s: no %s %s", of, kind, ref)
		case e.kind != kind || e.amount != amount:
			p.add("%s: %s is a %s of %d, not a %s of %d", of, ref, e.kind, e.amount, kind, amount)
		}
		delete(byRef, user+" "+ref)
	}
	made := map[string]int64{}
	for _, in := range ins {
		c := cost[in.typ]
		if in.cost != c {
			p.add("insight %s of %s cost %d, its type %d", in.id, in.typ, in.cost, c)
		}
		for g := int64(1); g <= in.generation; g++ {
			gen := in.id + ":" + strconv.FormatInt(g, 10)
			of := fmt.Sprintf("insight %s (%s, generation %d of %d)", in.id, in.status, g, in.generation)
			expect(in.user, of, "spend", "insight:"+gen, -c)
			if g < in.generation || in.status != "ready" {
				expect(in.user, of, "refund", "insight-refund:"+gen, c)
			}
		}
		if in.status == "ready" {
			made[in.user] += c
		}
	}
	for _, u := range cr.users {
		expect(u.id, "user "+u.id, "grant", "crash-grant", crashGrant)
		if want := crashGrant - made[u.id]; balances[u.id] != want {
			p.add("user %s has %d credits: granted %d, insights made %d, so %d", u.id, balances[u.id], crashGrant, made[u.id], want)
		}
	}
	for key, e := range byRef {
		p.add("an entry no generation explains: %s %s of %d", key, e.kind, e.amount)
	}
	for user, b := range balances {
		if b != sums[user] || b < 0 {
			p.add("user %s has a balance of %d; its ledger sums to %d", user, b, sums[user])
		}
	}
}

// load reads the insights, the generate jobs, the ledger (each account's
// in order) and the balances.
func (cr *crashRun) load(t *testing.T) ([]dbInsight, []dbJob, []dbEntry, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	var ins []dbInsight
	rows, err := cr.db.Query(ctx, `SELECT id::text, user_id::text, chat_id::text, type, status, coalesce(job_id, ''),
		coalesce(error_class, ''), coalesce(result::text, ''), generation, cost, attempts, completed_at IS NOT NULL, created_at
		FROM insights`)
	scanAll(t, "insights", rows, err, func(scan func(...any) error) error {
		var in dbInsight
		err := scan(&in.id, &in.user, &in.chat, &in.typ, &in.status, &in.jobID, &in.class, &in.result,
			&in.generation, &in.cost, &in.attempts, &in.completed, &in.created)
		ins = append(ins, in)
		return err
	})
	var jobs []dbJob
	rows, err = cr.db.Query(ctx, `SELECT id, state, attempt, max_attempts, args->'args'->>'insight',
		(args->'args'->>'generation')::bigint, coalesce(cardinality(errors), 0),
		(SELECT count(*) FROM unnest(errors) e WHERE e->>'error' LIKE 'Stuck job rescued%'),
		(SELECT min((e->>'at')::timestamptz) FROM unnest(errors) e WHERE e->>'error' LIKE 'Stuck job rescued%')
		FROM river_job WHERE kind = 'insight.generate'`)
	scanAll(t, "jobs", rows, err, func(scan func(...any) error) error {
		var j dbJob
		err := scan(&j.id, &j.state, &j.attempt, &j.maxAttempts, &j.insight, &j.generation, &j.errors, &j.rescues, &j.rescuedAt)
		jobs = append(jobs, j)
		return err
	})
	var ledger []dbEntry
	rows, err = cr.db.Query(ctx, `SELECT user_id::text, kind, reference, amount, balance_after FROM credit_ledger
		ORDER BY user_id, created_at, id`)
	scanAll(t, "ledger", rows, err, func(scan func(...any) error) error {
		var e dbEntry
		err := scan(&e.user, &e.kind, &e.ref, &e.amount, &e.after)
		ledger = append(ledger, e)
		return err
	})
	balances := map[string]int64{}
	rows, err = cr.db.Query(ctx, `SELECT user_id::text, balance FROM credit_accounts`)
	scanAll(t, "balances", rows, err, func(scan func(...any) error) error {
		var user string
		var b int64
		err := scan(&user, &b)
		balances[user] = b
		return err
	})
	return ins, jobs, ledger, balances
}

// crashRows is what scanAll needs of pgx.Rows.
type crashRows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close()
}

// scanAll calls row for each row of a query, failing t on any error.
func scanAll(t *testing.T, what string, rows crashRows, err error, row func(scan func(...any) error) error) {
	t.Helper()
	if err != nil {
		t.Fatalf("reading the %s: %v", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			t.Fatalf("reading the %s: %v", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("reading the %s: %v", what, err)
	}
}
