package porttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// keyOf is user's record of key, made at at and kept a day.
func keyOf(user core.UserID, key string, at time.Time) core.IdempotencyRecord {
	at = core.StorageTime(at)
	return core.IdempotencyRecord{
		UserID: user, Key: key, Fingerprint: "POST /v1/chats/x/insights " + newID(), Resource: newID(),
		CreatedAt: at, ExpiresAt: at.Add(core.IdempotencyTTL),
	}
}

// sameRecord reports how got differs from want, or nil.
func sameRecord(got, want core.IdempotencyRecord) error {
	g, w := got, want
	g.CreatedAt, g.ExpiresAt, w.CreatedAt, w.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w || !got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		return fmt.Errorf("record %+v; want %+v", got, want)
	}
	return nil
}

// claimKey runs Claim in a unit.
func claimKey(t *testing.T, s ports.UnitOfWork, rec core.IdempotencyRecord, at time.Time) (core.IdempotencyRecord, bool) {
	t.Helper()
	var stored core.IdempotencyRecord
	var created bool
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var err error
		stored, created, err = tx.Idempotency().Claim(ctx, rec, at)
		return err
	})
	return stored, created
}

// findKey runs Find in a read-only unit.
func findKey(s ports.UnitOfWork, user core.UserID, key string, at time.Time) (core.IdempotencyRecord, error) {
	var rec core.IdempotencyRecord
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		rec, err = tx.Idempotency().Find(ctx, user, key, at)
		return err
	}, ports.ReadOnly())
	return rec, err
}

// testIdempotencyClaim: a key is claimed once per user; a later claim gets
// the stored record back, and Find finds it.
func testIdempotencyClaim(t *testing.T, s ports.UnitOfWork) {
	a, b := newUser(t, s, "key-a@example.com", 0), newUser(t, s, "key-b@example.com", 0)
	at := now()
	first := keyOf(a.ID, "k-1", at)
	if stored, created := claimKey(t, s, first, at); !created || sameRecord(stored, first) != nil {
		t.Fatalf("Claim(new key) = %+v, created %v; want %+v stored and created", stored, created, first)
	}
	again := keyOf(a.ID, "k-1", at.Add(time.Second)) // another request with the same key
	if stored, created := claimKey(t, s, again, at.Add(time.Second)); created || sameRecord(stored, first) != nil {
		t.Fatalf("Claim(held key) = %+v, created %v; want the first record %+v, not created", stored, created, first)
	}
	if stored, created := claimKey(t, s, keyOf(b.ID, "k-1", at), at); !created || stored.UserID != b.ID {
		t.Fatalf("Claim(another user's same key) = %+v, created %v; want created: keys are per user", stored, created)
	}
	got, err := findKey(s, a.ID, "k-1", at.Add(time.Minute))
	if err != nil || sameRecord(got, first) != nil {
		t.Fatalf("Find(claimed key) = %+v, %v; want %+v", got, err, first)
	}
	for name, f := range map[string]func() error{
		"Find(unknown key)":  func() error { return second(findKey(s, a.ID, "k-2", at)) },
		"Find(unknown user)": func() error { return second(findKey(s, core.UserID(newID()), "k-1", at)) },
	} {
		if err := f(); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("%s = %v; want ErrNotFound", name, err)
		}
	}
}

// testIdempotencyExpiry: a record is live until its ExpiresAt; an expired
// one is found by no one and replaced by the next Claim; Expire deletes
// expired records only, at most limit at a time.
func testIdempotencyExpiry(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "expiry@example.com", 0)
	at := core.StorageTime(now())
	rec := keyOf(u.ID, "expiring", at)
	claimKey(t, s, rec, at)
	if _, err := findKey(s, u.ID, rec.Key, rec.ExpiresAt.Add(-time.Microsecond)); err != nil {
		t.Fatalf("Find a microsecond before the record expires = %v; want it", err)
	}
	if _, err := findKey(s, u.ID, rec.Key, rec.ExpiresAt); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Find at the record's ExpiresAt = %v; want ErrNotFound (live while ExpiresAt is after now)", err)
	}
	later := rec.ExpiresAt.Add(time.Minute)
	next := keyOf(u.ID, rec.Key, later)
	if stored, created := claimKey(t, s, next, later); !created || sameRecord(stored, next) != nil {
		t.Fatalf("Claim(an expired key) = %+v, created %v; want %+v stored in its place, created", stored, created, next)
	}
	if got, err := findKey(s, u.ID, rec.Key, later); err != nil || sameRecord(got, next) != nil {
		t.Fatalf("Find after the replace = %+v, %v; want %+v", got, err, next)
	}

	// Three records expired at the cutoff (one at that very time) and two
	// live ones (one a microsecond longer).
	cutoff := at.Add(time.Hour)
	var old []core.IdempotencyRecord
	for i := range 3 {
		r := keyOf(u.ID, fmt.Sprint("old-", i), at)
		r.ExpiresAt = cutoff.Add(-time.Duration(i) * time.Second)
		claimKey(t, s, r, at)
		old = append(old, r)
	}
	live := []core.IdempotencyRecord{keyOf(u.ID, "live-0", at), keyOf(u.ID, "live-1", at)}
	live[0].ExpiresAt = cutoff.Add(time.Microsecond)
	for _, r := range live {
		claimKey(t, s, r, at)
	}
	var counts []int
	for range 3 {
		var n int
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			var err error
			n, err = tx.Idempotency().Expire(ctx, cutoff, 2)
			return err
		})
		counts = append(counts, n)
	}
	if !slices.Equal(counts, []int{2, 1, 0}) {
		t.Fatalf("Expire(limit 2) three times over three expired records = %v; want [2 1 0]", counts)
	}
	for _, r := range old {
		// Found by no one even at a time it was live: deleted, not hidden.
		if _, err := findKey(s, u.ID, r.Key, at); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("Find(an expired record Expire deleted, at a time it was live) = %v; want ErrNotFound", err)
		}
	}
	for _, r := range append(live, next) {
		if got, err := findKey(s, u.ID, r.Key, at); err != nil || sameRecord(got, r) != nil {
			t.Errorf("Find(a live record) after Expire = %+v, %v; want %+v", got, err, r)
		}
	}
}

// testConcurrentClaims: 50 Claims of one key at once store one record,
// and exactly one of them learns it stored it.
func testConcurrentClaims(t *testing.T, stores []ports.UnitOfWork, iso ports.Isolation) {
	const n = 50
	s := stores[0]
	u := newUser(t, s, "claims@example.com", 0)
	at := now()
	recs, got, created, errs := make([]core.IdempotencyRecord, n), make([]core.IdempotencyRecord, n), make([]bool, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		recs[i] = keyOf(u.ID, "raced", at)
		wg.Go(func() {
			errs[i] = stores[i%len(stores)].Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				var err error
				got[i], created[i], err = tx.Idempotency().Claim(ctx, recs[i], at)
				return err
			}, ports.WithIsolation(iso))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Claims of one key failed: %v", err)
	}
	winners := 0
	var won core.IdempotencyRecord
	for i := range n {
		if created[i] {
			winners++
			won = recs[i]
		}
	}
	if winners != 1 {
		t.Fatalf("%d of %d concurrent Claims of one key learned they stored it; want exactly 1", winners, n)
	}
	for i := range n {
		if err := sameRecord(got[i], won); err != nil {
			t.Fatalf("Claim %d returned a record other than the one stored: %v", i, err)
		}
	}
	if rec, err := findKey(s, u.ID, "raced", at); err != nil || sameRecord(rec, won) != nil {
		t.Fatalf("Find after the race = %+v, %v; want %+v", rec, err, won)
	}
}
