package postgres_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newChat stores a user and an empty chat of theirs.
func newChat(t testing.TB, s *postgres.Store) core.ChatID {
	t.Helper()
	at := time.Now().UTC().Truncate(time.Microsecond)
	u := core.User{ID: core.UserID(randomID()), Email: randomID()[:8] + "@example.com", DisplayName: "T", Role: core.RoleUser, CreatedAt: at}
	c := core.Chat{ID: core.ChatID(randomID()), User: u.ID, Title: "t", SHA256: strings.Repeat("ab", 32),
		Format: "whatsapp", CreatedAt: at, UpdatedAt: at}
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Users().Create(ctx, u); err != nil {
			return err
		}
		return tx.Chats().Create(ctx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func listAll(t testing.TB, s *postgres.Store, chat core.ChatID, f core.MessageFilter) []core.Message {
	t.Helper()
	var out []core.Message
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		out, err = tx.Messages().List(ctx, chat, f, nil, 1000)
		return err
	}, ports.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every field of a message comes back as it was written, through COPY.
func TestMessageRoundTrip(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	chat := newChat(t, s)
	local := time.Date(2024, 3, 1, 22, 15, 7, 123456000, time.UTC)
	want := []core.Message{
		{Seq: 1, Local: local, Author: "Zoë", Kind: core.MessageText, Text: "héllo 'it''s' \\ \"quoted\"\nline two"},
		{Seq: 2, At: local.Add(time.Hour), AuthorID: "u42", Author: "Bob", Kind: core.MessageMedia, Text: "caption",
			MediaType: "image", Attachment: "a.jpg", Edited: true, ReplyTo: "7", PlatformID: "8",
			Attachments: []core.Attachment{{Name: "a.jpg", MediaType: "image", Size: 12}, {Name: "s", MediaType: "sticker"}},
			Reactions:   []core.Reaction{{Emoji: "👍", Count: 3, By: []core.Reactor{{Name: "A", ID: "1"}}}, {Emoji: "x", Count: 1}}},
		{Seq: 3, Local: local, At: local.Add(-time.Hour), Kind: core.MessageLocation, Author: "C",
			Geo: &core.GeoPoint{Lat: 48.858370, Lon: -2.294481}, Text: "https://maps.example/x"},
		{Seq: 4, Local: local, Kind: core.MessageSystem, Text: "C added D",
			Event: &core.Event{Action: "invite_members", Actor: "C", ActorID: "9", Members: []string{"D", "E"}, Duration: 90 * time.Second, Outcome: "hangup", Title: "T"}},
		{Seq: 5, Local: local, Kind: core.MessageText, Author: "E", Attachments: []core.Attachment{}, Reactions: []core.Reaction{{Emoji: "x", Count: 2, By: []core.Reactor{}}},
			Event: &core.Event{Members: []string{}}},
	}
	var n int64
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		n, err = tx.Messages().Insert(ctx, chat, func(yield func(core.Message, error) bool) {
			for _, m := range want {
				if !yield(m, nil) {
					return
				}
			}
		})
		return err
	})
	if err != nil || n != int64(len(want)) {
		t.Fatalf("Insert = %d, %v", n, err)
	}
	got := listAll(t, s, chat, core.MessageFilter{})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("messages differ:\n got %+v\nwant %+v", got, want)
	}
	// core.MessageTime is what From and To bound.
	from := listAll(t, s, chat, core.MessageFilter{From: local, To: local.Add(time.Hour)})
	if len(from) != 3 || from[0].Seq != 1 || from[1].Seq != 4 || from[2].Seq != 5 {
		t.Fatalf("From/To kept %v", seqs(from))
	}
}

func seqs(ms []core.Message) []int64 {
	var out []int64
	for _, m := range ms {
		out = append(out, m.Seq)
	}
	return out
}

var errUpload = errors.New("the upload broke off")

// An error the iterator yields midway aborts the COPY, comes back as it
// was, and the unit writes nothing.
func TestInsertStopsAtTheIteratorsError(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	chat := newChat(t, s)
	const good = 100_000
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.Messages().Insert(ctx, chat, func(yield func(core.Message, error) bool) {
			for i := range int64(good) {
				if !yield(core.Message{Seq: i + 1, Local: time.Unix(i, 0).UTC(), Author: "A", Kind: core.MessageText, Text: "x"}, nil) {
					return
				}
			}
			yield(core.Message{}, fmt.Errorf("reading: %w", errUpload))
		})
		return err
	})
	if !errors.Is(err, errUpload) {
		t.Fatalf("Do = %v, want the iterator's error", err)
	}
	if got := listAll(t, s, chat, core.MessageFilter{}); len(got) != 0 {
		t.Fatalf("%d messages stored after a failed insert", len(got))
	}
}

// A unit's own timeout replaces the pool's statement timeout, for that
// unit alone.
func TestUnitTimeout(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	show := func(opts ...ports.UnitOption) (string, string, string) { return postgres.UnitTimeouts(t, s, opts...) }
	if stmt, lock, idle := show(ports.WithTimeout(3 * time.Minute)); stmt != "3min" || lock != "3min" || idle != "3min" {
		t.Fatalf("with a timeout: statement_timeout %s, lock_timeout %s, idle %s; want 3min", stmt, lock, idle)
	}
	if stmt, lock, _ := show(); stmt != "30s" || lock != "200ms" {
		t.Fatalf("after: statement_timeout %s, lock_timeout %s; want the pool's", stmt, lock)
	}
}

// A message near chatparse's 1 MiB cap, of distinct words, would make a
// tsvector over PostgreSQL's 1 MB: only its first
// core.SearchIndexedRunes characters are indexed, so its import succeeds.
func TestLongMessageImports(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	chat := newChat(t, s)
	var b strings.Builder
	for i := 0; b.Len() < 1<<20-16; i++ {
		fmt.Fprintf(&b, "w%d ", i)
	}
	text := b.String()
	if !strings.Contains(text, " w50000 ") {
		t.Fatal("the text lacks the word past the indexed part")
	}
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.Messages().Insert(ctx, chat, func(yield func(core.Message, error) bool) {
			yield(core.Message{Seq: 1, Local: time.Unix(0, 0).UTC(), Author: "A", Kind: core.MessageText, Text: text}, nil)
		})
		return err
	})
	if err != nil {
		t.Fatalf("importing a 1 MiB message: %v", err)
	}
	for _, c := range []struct {
		word string
		want int
	}{{"w1", 1}, {"w50000", 0}} {
		q, err := core.ParseSearchQuery(c.word)
		if err != nil {
			t.Fatal(err)
		}
		if got := listAll(t, s, chat, core.MessageFilter{Search: &q}); len(got) != c.want || q.Matches(text) != (c.want == 1) {
			t.Errorf("search %q found %d messages (Matches %t); want %d", c.word, len(got), q.Matches(text), c.want)
		}
	}
}
