package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/chatlens/chatlens/core"
)

// table is one table of committed rows, keyed by K. A new table is a field
// of data made by newTable: staging, commit, row locks, soft delete, unique
// keys and listing by parent are done here once. A unit reads its own
// staged rows first, then the committed ones; its writes are published only
// when it commits.
//
// Every method runs inside a unit and, like a database statement, fails
// once the unit is aborted (unit.statement).
type table[K comparable, V any] struct {
	d      *data
	name   string
	key    func(V) K
	spec   tableSpec[V]
	rows   map[K]V                 // committed; guarded by d.mu
	groups map[string]map[K]bool   // committed keys by spec.parent; guarded by d.mu
	index  map[string]map[string]K // committed unique keys: index name -> value -> key; guarded by d.mu
}

// tableSpec says what a table knows about its rows beyond their key.
type tableSpec[V any] struct {
	// parent groups rows for listing (an account's ledger, a user's keys),
	// so a listing reads its group, not the whole table. Optional.
	parent func(V) string
	// deletedAt points at a soft-deletable row's deletion time; rows with
	// one set are invisible to get and children, as bun's soft_delete
	// hides them. Optional.
	deletedAt func(*V) *time.Time
	// unique are the table's unique keys, by name.
	unique map[string]uniqueKey[V]
	// claimed reports a deleted row that a purge has claimed: it is on its
	// way out, and no restore, a parent's included, brings it back.
	// Optional.
	claimed func(V) bool
}

// uniqueKey is a unique index: value returns the row's key, and false
// when the row is outside a partial index (a deleted row, where the index
// holds live rows only).
type uniqueKey[V any] func(V) (string, bool)

func newTable[K comparable, V any](d *data, name string, key func(V) K, spec tableSpec[V]) *table[K, V] {
	t := &table[K, V]{d: d, name: name, key: key, spec: spec,
		rows: map[K]V{}, groups: map[string]map[K]bool{}, index: map[string]map[string]K{}}
	for name := range spec.unique {
		t.index[name] = map[string]K{}
	}
	return t
}

// stage is what one unit wrote to one table: rows inserted or changed,
// and rows removed (remove), which a row written again after its removal
// leaves.
type stage[K comparable, V any] struct {
	rows map[K]V
	gone map[K]bool
}

// stage returns the unit's staged writes of t, registering their
// publication with the unit on first use.
func (t *table[K, V]) stage(u *unit) *stage[K, V] {
	if st, ok := u.staged[t]; ok {
		return st.(*stage[K, V])
	}
	st := &stage[K, V]{rows: map[K]V{}, gone: map[K]bool{}}
	u.staged[t] = st
	u.publish = append(u.publish, func() { t.commit(st) })
	return st
}

// staged returns the unit's staged rows of t (inserted or changed).
func (t *table[K, V]) staged(u *unit) map[K]V { return t.stage(u).rows }

// commit publishes a unit's staged writes, removals first; the caller
// holds d.mu.
func (t *table[K, V]) commit(st *stage[K, V]) {
	for k := range st.gone {
		t.drop(k)
	}
	for k, v := range st.rows {
		if old, ok := t.rows[k]; ok {
			t.unindex(k, old)
		}
		t.rows[k] = v
		for name, of := range t.spec.unique {
			if value, ok := of(v); ok {
				t.index[name][value] = k
			}
		}
		if t.spec.parent != nil {
			g := t.spec.parent(v)
			if t.groups[g] == nil {
				t.groups[g] = map[K]bool{}
			}
			t.groups[g][k] = true
		}
	}
}

// unindex takes a committed row's values out of the unique keys that
// still point at it; the caller holds d.mu.
func (t *table[K, V]) unindex(k K, old V) {
	for name, of := range t.spec.unique {
		if value, ok := of(old); ok && t.index[name][value] == k {
			delete(t.index[name], value)
		}
	}
}

// drop deletes a committed row with its unique keys and group membership;
// the caller holds d.mu.
func (t *table[K, V]) drop(k K) {
	old, ok := t.rows[k]
	if !ok {
		return
	}
	t.unindex(k, old)
	if t.spec.parent != nil {
		g := t.spec.parent(old)
		delete(t.groups[g], k)
		if len(t.groups[g]) == 0 {
			delete(t.groups, g)
		}
	}
	delete(t.rows, k)
}

// lockKey names a row's lock.
func (t *table[K, V]) lockKey(k K) string { return fmt.Sprintf("%s:%v", t.name, k) }

// row returns the unit's view of a row, deleted or not.
func (t *table[K, V]) row(u *unit, k K) (V, bool) {
	st := t.stage(u)
	if v, ok := st.rows[k]; ok {
		return v, true
	}
	if st.gone[k] {
		var zero V
		return zero, false
	}
	t.d.mu.Lock()
	defer t.d.mu.Unlock()
	v, ok := t.rows[k]
	return v, ok
}

// get returns a live row.
func (t *table[K, V]) get(u *unit, k K) (V, bool) {
	v, ok := t.row(u, k)
	if !ok || t.isDeleted(v) {
		var zero V
		return zero, false
	}
	return v, true
}

// getDeleted returns a soft-deleted row.
func (t *table[K, V]) getDeleted(u *unit, k K) (V, bool) {
	v, ok := t.row(u, k)
	if !ok || !t.isDeleted(v) {
		var zero V
		return zero, false
	}
	return v, true
}

func (t *table[K, V]) isDeleted(v V) bool {
	return t.spec.deletedAt != nil && !t.spec.deletedAt(&v).IsZero()
}

// group returns the unit's view of a parent's rows, deleted ones included,
// in no particular order.
func (t *table[K, V]) group(u *unit, parent string) []V {
	st := t.stage(u)
	var out []V
	t.d.mu.Lock()
	for k := range t.groups[parent] {
		if _, mine := st.rows[k]; !mine && !st.gone[k] {
			out = append(out, t.rows[k])
		}
	}
	t.d.mu.Unlock()
	for _, v := range st.rows {
		if t.spec.parent(v) == parent {
			out = append(out, v)
		}
	}
	return out
}

// children returns a parent's live rows, sorted by cmp.
func (t *table[K, V]) children(u *unit, parent string, cmp func(a, b V) int) []V {
	out := slices.DeleteFunc(t.group(u, parent), t.isDeleted)
	slices.SortFunc(out, cmp)
	return out
}

// byUnique returns the row holding value in the unique key named index.
func (t *table[K, V]) byUnique(u *unit, index, value string) (V, bool) {
	of := t.spec.unique[index]
	for _, v := range t.staged(u) {
		if got, ok := of(v); ok && got == value {
			return v, true
		}
	}
	t.d.mu.Lock()
	k, found := t.index[index][value]
	t.d.mu.Unlock()
	if found { // the unit may have changed that committed row since
		if v, ok := t.row(u, k); ok {
			if got, ok := of(v); ok && got == value {
				return v, true
			}
		}
	}
	var zero V
	return zero, false
}

// insert stores a new row. Like an INSERT it waits (bounded) for a unit
// inserting the same key, then fails with core.ErrConflict when the
// primary key or a unique key is taken. With ifAbsent, a taken key writes
// nothing and returns false instead (ON CONFLICT DO NOTHING).
func (t *table[K, V]) insert(ctx context.Context, u *unit, v V, ifAbsent bool) (bool, error) {
	if err := u.writable(); err != nil {
		return false, err
	}
	k := t.key(v)
	if err := u.reserve(ctx, t.lockKey(k)); err != nil {
		return false, err
	}
	if _, taken := t.row(u, k); taken {
		return false, t.conflict(u, false, "primary key")
	}
	if name, taken, err := t.uniqueTaken(ctx, u, v); err != nil || taken {
		if err != nil {
			return false, err
		}
		return false, t.conflict(u, ifAbsent, name)
	}
	t.staged(u)[k] = v
	return true, nil
}

func (t *table[K, V]) conflict(u *unit, ifAbsent bool, index string) error {
	if ifAbsent {
		return nil
	}
	return u.fail(fmt.Errorf("%w: %s %s is taken", core.ErrConflict, t.name, index))
}

// update writes a changed version of an existing row, under its row lock.
// A row entering a unique key (a restore) fails with core.ErrConflict when
// a live row holds that key.
func (t *table[K, V]) update(ctx context.Context, u *unit, v V) error {
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(t.key(v))); err != nil {
		return err
	}
	if name, taken, err := t.uniqueTaken(ctx, u, v); err != nil || taken {
		if err != nil {
			return err
		}
		return t.conflict(u, false, name)
	}
	t.staged(u)[t.key(v)] = v
	return nil
}

// uniqueTaken reports the first unique key of v that another row holds. It
// reserves each key first, so a concurrent unit inserting the same key
// waits for this one to end, as at a unique index.
func (t *table[K, V]) uniqueTaken(ctx context.Context, u *unit, v V) (string, bool, error) {
	for _, name := range slices.Sorted(maps.Keys(t.spec.unique)) {
		value, ok := t.spec.unique[name](v)
		if !ok {
			continue
		}
		if err := u.reserve(ctx, t.name+"."+name+":"+value); err != nil {
			return "", false, err
		}
		if other, held := t.byUnique(u, name, value); held && t.key(other) != t.key(v) {
			return name, true, nil
		}
	}
	return "", false, nil
}

// scan returns the unit's view of every row of t that keep accepts,
// deleted ones included, in no particular order: a sweep across parents
// (a purge, an admin's listing across users). It sees the unit's removals.
func (t *table[K, V]) scan(u *unit, keep func(V) bool) []V {
	st := t.stage(u)
	var out []V
	t.d.mu.Lock()
	for k, v := range t.rows {
		if _, mine := st.rows[k]; !mine && !st.gone[k] && keep(v) {
			out = append(out, v)
		}
	}
	t.d.mu.Unlock()
	for _, v := range st.rows {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// remove deletes a row for good (a purge, not a soft delete), under its
// row lock, as a DELETE does; false when the unit sees no such row. The
// row, its unique keys and its place in its group go when the unit
// commits.
func (t *table[K, V]) remove(ctx context.Context, u *unit, k K) (bool, error) {
	if err := u.writable(); err != nil {
		return false, err
	}
	if err := u.reserve(ctx, t.lockKey(k)); err != nil {
		return false, err
	}
	if _, ok := t.row(u, k); !ok {
		return false, nil
	}
	st := t.stage(u)
	delete(st.rows, k)
	st.gone[k] = true
	return true, nil
}

// cascadeDelete marks a parent's live rows deleted at, the parent's own
// deletion time, so that cascadeRestore finds exactly that group again.
func (t *table[K, V]) cascadeDelete(ctx context.Context, u *unit, parent string, at time.Time) error {
	for _, v := range t.group(u, parent) {
		if t.isDeleted(v) {
			continue
		}
		*t.spec.deletedAt(&v) = at
		if err := t.update(ctx, u, v); err != nil {
			return err
		}
	}
	return nil
}

// cascadeRestore brings back a parent's rows deleted at its deletion time,
// and no others (rows deleted on their own before stay deleted, and rows
// a purge has claimed stay on their way out).
func (t *table[K, V]) cascadeRestore(ctx context.Context, u *unit, parent string, at time.Time) error {
	for _, v := range t.group(u, parent) {
		if !t.spec.deletedAt(&v).Equal(at) || t.spec.claimed != nil && t.spec.claimed(v) {
			continue
		}
		*t.spec.deletedAt(&v) = time.Time{}
		if err := t.update(ctx, u, v); err != nil {
			return err
		}
	}
	return nil
}

// cascade is a table whose rows belong to a parent and go and come back
// with it.
type cascade interface {
	cascadeDelete(ctx context.Context, u *unit, parent string, at time.Time) error
	cascadeRestore(ctx context.Context, u *unit, parent string, at time.Time) error
}

// Listing orders, for pageAfter.
const (
	oldestFirst = false
	newestFirst = true
)

// pageAfter returns at most limit of sorted's rows that come strictly after
// the key from (all when from is nil), in sorted's order: ascending keys,
// or descending ones when desc. It pages any listing by any sort key.
func pageAfter[T any, K core.SortKey[K]](sorted []T, from *K, key func(T) K, desc bool, limit int) []T {
	out := make([]T, 0, min(limit, len(sorted)))
	for _, v := range sorted {
		if from != nil {
			c := key(v).Compare(*from)
			if desc && c >= 0 || !desc && c <= 0 {
				continue
			}
		}
		out = append(out, v)
		if len(out) == limit {
			break
		}
	}
	return out
}

// keyed is a row listed in pages by its (time, id) position.
type keyed interface{ PageKey() core.PageKey }

// listPage is the listing of a parent's live rows by (time, id), oldest or
// newest first, strictly after from, at most limit: what every ledger-like
// listing does. A page key no store could hold is refused before anything
// is read, as on PostgreSQL.
func listPage[K comparable, V keyed](t *table[K, V], u *unit, parent string, from *core.PageKey, desc bool, limit int) ([]V, error) {
	if err := u.statement(); err != nil {
		return nil, err
	}
	if from != nil {
		if err := from.Check(); err != nil {
			return nil, err
		}
	}
	rows := t.children(u, parent, byPageKey[V](desc))
	return pageAfter(rows, from, V.PageKey, desc, limit), nil
}

// byPageKey orders rows by (time, id), oldest or newest first.
func byPageKey[V keyed](desc bool) func(a, b V) int {
	return func(a, b V) int {
		if desc {
			return b.PageKey().Compare(a.PageKey())
		}
		return a.PageKey().Compare(b.PageKey())
	}
}

// micro truncates a time to the precision every store keeps.
func micro(t time.Time) time.Time { return core.StorageTime(t) }
