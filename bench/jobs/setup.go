package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql's "pgx"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/migrations"
)

// insightTypes are the seeded catalog's statistical types (the
// migration's); every chat gets one insight of each.
var insightTypes = []string{"activity-report", "response-times", "who-replies-to-whom"}

// aiTypes are the seeded AI types, written by the local writer (no
// CHATLENS_AI_URL): the AI run requests them of the same chats.
var aiTypes = []string{"summary", "main-topics", "tone"}

// grantAmount is each user's credits: enough that no request of the run is
// refused for want of them (the largest cost is 8).
const grantAmount = 100_000_000

// bench carries what every phase uses.
type bench struct {
	o          options
	res        *results
	cluster    *pgtest.Cluster
	db         *sql.DB // the bench database: polls and snapshots
	dsn        string
	limitDSN   string // the River limit's own database, migrated alike
	limitDB    *sql.DB
	postmaster int
	api        *proc
	http       *api
	users      []user
	stat       pairSet // the (chat, statistical type) pairs every throughput phase requests
	ai         pairSet // the (chat, AI type) pairs of the AI run, of the same chats
}

// pairSet is the pairs a phase requests, in order, and the generation
// every one of them has now.
type pairSet struct {
	pairs []pair
	types []string
	gen   int64
}

type user struct {
	id, key string
	chats   []string
}

// pair is one insight: a chat and a type, and whose key asks for it.
type pair struct {
	key, chat, typ string
}

func setUp(ctx context.Context, o options, res *results) (b *bench, err error) {
	b = &bench{o: o, res: res}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	var settings map[string]string
	if o.statements {
		settings = statementSettings
	}
	b.cluster, err = pgtest.StartCluster(ctx, pgtest.ClusterOptions{
		Fsync: true, MaxConnections: 200, SharedBuffers: "256MB", Settings: settings,
	})
	if err != nil {
		return b, err
	}
	for _, name := range []string{"bench", "limit"} {
		if err := b.cluster.CreateDatabase(ctx, name); err != nil {
			return b, err
		}
	}
	b.dsn, b.limitDSN = b.cluster.DSN("bench"), b.cluster.DSN("limit")
	// The limit's database gets the very schema (River's tables and
	// indexes) the product's has; serve migrates its own at start.
	if err := postgres.MigrateDSN(ctx, b.limitDSN, migrations.Files); err != nil {
		return b, fmt.Errorf("migrating the limit's database: %w", err)
	}
	if b.db, err = openDB(b.dsn); err != nil {
		return b, err
	}
	if b.limitDB, err = openDB(b.limitDSN); err != nil {
		return b, err
	}
	if err := b.db.QueryRowContext(ctx, "SHOW server_version").Scan(&res.Env.Postgres); err != nil {
		return b, err
	}
	if b.postmaster, err = postmasterPID(b.cluster); err != nil {
		return b, err
	}
	if o.statements {
		if err := b.enableStatements(ctx); err != nil {
			return b, err
		}
	}
	b.api, err = startServe(o.server, b.dsn, filepath.Join(o.out, "serve.log"), o.profile)
	if err != nil {
		return b, err
	}
	b.http = newAPI(b.api.base, o.clients)
	fmt.Printf("API: pid %d on %s (no workers), log %s\n", b.api.pid(), b.api.base, b.api.logPath)
	began := time.Now()
	if err := b.makeUsers(ctx); err != nil {
		return b, err
	}
	if err := b.makeChats(ctx); err != nil {
		return b, err
	}
	fmt.Printf("set up %d users and %d chats of %d messages in %.1f s\n", len(b.users), b.chats(), o.messages, time.Since(began).Seconds())
	return b, nil
}

func (b *bench) chats() int {
	n := 0
	for _, u := range b.users {
		n += len(u.chats)
	}
	return n
}

func (b *bench) close() {
	if b.api != nil {
		b.api.stop()
	}
	for _, db := range []*sql.DB{b.db, b.limitDB} {
		if db != nil {
			db.Close()
		}
	}
	if b.cluster != nil {
		b.cluster.Stop()
	}
}

func openDB(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	return db, nil
}

// makeUsers signs the users up and grants each grantAmount credits with
// the admin key serve printed.
func (b *bench) makeUsers(ctx context.Context) error {
	b.users = make([]user, b.o.users)
	return forEach(ctx, len(b.users), 8, func(i int) error {
		id, key, err := b.http.signUp(ctx, fmt.Sprintf("bench-jobs-%d@example.com", i))
		if err != nil {
			return err
		}
		b.users[i] = user{id: id, key: key}
		return b.http.grant(ctx, b.api.adminKey, id, grantAmount, "bench-jobs-"+strconv.Itoa(i))
	})
}

// makeChats uploads enough chats for o.requests pairs, round-robin over the
// users (a user's chats are distinct files: one file is one chat per user),
// and fixes the order the pairs are requested in: shuffled, so consecutive
// requests seldom share a user's account lock. The AI run's pairs are of
// the same chats, with the AI types.
func (b *bench) makeChats(ctx context.Context) error {
	n := (b.o.requests + len(insightTypes) - 1) / len(insightTypes)
	type upload struct {
		user, seed int
		chat       string
	}
	ups := make([]upload, n)
	for i := range ups {
		ups[i] = upload{user: i % len(b.users), seed: i}
	}
	err := forEach(ctx, n, 8, func(i int) error {
		u := b.users[ups[i].user]
		id, err := b.http.upload(ctx, u.key, fmt.Sprintf("chat-%d.txt", i), smallChat(uint64(ups[i].seed), b.o.messages))
		ups[i].chat = id
		return err
	})
	if err != nil {
		return err
	}
	pairsOf := func(types []string) []pair {
		var all []pair
		for _, up := range ups {
			for _, t := range types {
				all = append(all, pair{key: b.users[up.user].key, chat: up.chat, typ: t})
			}
		}
		return all
	}
	for _, up := range ups {
		b.users[up.user].chats = append(b.users[up.user].chats, up.chat)
	}
	all := pairsOf(insightTypes)
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	b.stat = pairSet{pairs: all[:b.o.requests], types: insightTypes}
	// The AI run's pairs: the same chats, shuffled alike, as many as
	// asked for (at most one per chat and AI type).
	ai := pairsOf(aiTypes)
	r = rand.New(rand.NewPCG(3, 4))
	r.Shuffle(len(ai), func(i, j int) { ai[i], ai[j] = ai[j], ai[i] })
	b.ai = pairSet{pairs: ai[:min(b.o.aiRequests, len(ai))], types: aiTypes}
	return nil
}

// forEach runs do(0..n-1) on conc goroutines and returns the first error.
func forEach(ctx context.Context, n, conc int, do func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := range next {
				if err := do(i); err != nil {
					cancel(err)
				}
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
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
