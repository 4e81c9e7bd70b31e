package chats_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/core/chatstats"
	"github.com/chatlens/chatlens/core/users"
	"github.com/chatlens/chatlens/internal/storetest"
	"github.com/chatlens/chatlens/ports"
)

// The exports below are written for these tests, small and by hand, in the
// shapes the parsers read.

// whatsApp is an Android export: day-first dates, a media placeholder, a
// message of two lines, and dates a year apart.
const whatsApp = `04/03/2021, 10:00 - Alice: Hello Bob, how are you?
04/03/2021, 10:01 - Bob: Fine thanks, café time
04/03/2021, 10:02 - Alice: Café? Which café
05/03/2021, 09:30 - Alice: <Media omitted>
05/03/2021, 09:35 - Bob: nice picture
06/05/2022, 18:00 - Bob: See you
second line
06/05/2022, 18:05 - Alice: Bye
`

// whatsAppNoticesOnly holds system notices and no message a person wrote.
const whatsAppNoticesOnly = `04/03/2021, 10:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.
04/03/2021, 10:01 - Alice created group "Friends"
`

const telegram = `{"name":"Team Chat","type":"private_group","id":42,"messages":[
{"id":1,"type":"service","date":"2021-03-04T10:00:00","date_unixtime":"1614852000","actor":"Alice","actor_id":"user1","action":"create_group","title":"Team Chat","members":["Bob"],"text":""},
{"id":2,"type":"message","date":"2021-03-04T10:01:00","date_unixtime":"1614852060","from":"Alice","from_id":"user1","text":"Hello team"},
{"id":3,"type":"message","date":"2021-03-04T10:02:00","date_unixtime":"1614852120","from":"Bob","from_id":"user2","text":["Look at ",{"type":"bold","text":"this"}]}
]}`

// discord repeats message 101, as overlapping exports do: it is imported once.
const discord = `{"guild":{"id":"1","name":"Guild"},"channel":{"id":"2","type":"GuildTextChat","name":"general"},"messages":[
{"id":"100","type":"Default","timestamp":"2021-03-04T10:00:00+00:00","content":"hi there","author":{"id":"5","name":"alice","nickname":"Alice"}},
{"id":"101","type":"Default","timestamp":"2021-03-04T10:05:00+00:00","content":"hello","author":{"id":"6","name":"bob","nickname":"Bob"}},
{"id":"101","type":"Default","timestamp":"2021-03-04T10:05:00+00:00","content":"hello","author":{"id":"6","name":"bob","nickname":"Bob"}}
]}`

func TestMain(m *testing.M) { pgtest.Main(m) }

// opener opens an empty store.
type opener func(t *testing.T) ports.UnitOfWork

// forEachBackend runs test on every storage adapter (internal/storetest),
// as parallel subtests.
func forEachBackend(t *testing.T, test func(t *testing.T, open opener)) {
	for name, open := range storetest.Backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, func(t *testing.T) ports.UnitOfWork { return open(t) })
		})
	}
}

// zipOf builds a zip archive of name, content pairs.
func zipOf(t *testing.T, files ...string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// clock is a fake clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a chats service on a memory store, with one user (and a
// second, to prove chats are private), a fake clock and its own spool
// directory, which must be empty when the test ends.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	store  ports.UnitOfWork
	svc    *chats.Service
	clock  *clock
	user   core.UserID
	other  core.UserID
	spool  string
	config chats.Config
}

type option func(*fixture)

func withConfig(f func(*chats.Config)) option { return func(fx *fixture) { f(&fx.config) } }

func newFixture(t *testing.T, open opener, opts ...option) *fixture {
	return newFixtureOn(t, open, nil, opts...)
}

func newFixtureOn(t *testing.T, open opener, wrap func(ports.UnitOfWork) ports.UnitOfWork, opts ...option) *fixture {
	t.Helper()
	fx := &fixture{
		t: t, ctx: context.Background(),
		store: open(t),
		clock: &clock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)},
		spool: t.TempDir(),
	}
	// Runs after every upload's Close (cleanups run last registered first).
	t.Cleanup(func() {
		if left := fx.spooled(); len(left) > 0 {
			t.Errorf("spool directory not empty at the end: %v", left)
		}
	})
	for _, o := range opts {
		o(fx)
	}
	fx.config.SpoolDir = fx.spool
	ids := &system.UUIDv7{}
	us := users.NewService(fx.store, fx.clock, ids)
	for i, id := range []*core.UserID{&fx.user, &fx.other} {
		u, _, err := us.SignUp(fx.ctx, fmt.Sprintf("u%d@example.com", i), "U")
		if err != nil {
			t.Fatal(err)
		}
		*id = u.ID
	}
	var uow ports.UnitOfWork = fx.store
	if wrap != nil {
		uow = wrap(uow)
	}
	fx.svc = chats.NewService(uow, fx.clock, ids, fx.config)
	return fx
}

// spooled lists the files in the spool directory.
func (fx *fixture) spooled() []string {
	entries, err := os.ReadDir(fx.spool)
	if err != nil {
		fx.t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// upload spools content; the upload is closed when the test ends.
func (fx *fixture) upload(content string) *chats.Upload {
	fx.t.Helper()
	up, err := fx.svc.Spool(fx.ctx, strings.NewReader(content))
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.t.Cleanup(func() {
		if err := up.Close(); err != nil {
			fx.t.Error(err)
		}
	})
	return up
}

// importAs spools and imports content for user.
func (fx *fixture) importAs(user core.UserID, content string, opts chats.ImportOptions) (chats.Details, bool, error) {
	fx.t.Helper()
	up := fx.upload(content)
	d, created, err := fx.svc.Import(fx.ctx, user, up, opts)
	if err := up.Close(); err != nil {
		fx.t.Error(err)
	}
	return d, created, err
}

// mustImport imports content for the fixture's user and expects a new chat.
func (fx *fixture) mustImport(content string, opts chats.ImportOptions) chats.Details {
	fx.t.Helper()
	d, created, err := fx.importAs(fx.user, content, opts)
	if err != nil {
		fx.t.Fatalf("import: %v", err)
	}
	if !created {
		fx.t.Fatal("import: created is false for a new file")
	}
	return d
}

// chats lists all of the user's live chats.
func (fx *fixture) chats(user core.UserID) []core.Chat {
	fx.t.Helper()
	page, err := fx.svc.List(fx.ctx, user, "", core.MaxPageLimit)
	if err != nil {
		fx.t.Fatal(err)
	}
	return page.Items
}

// messages lists all of a chat's messages, page by page.
func (fx *fixture) messages(id core.ChatID, q chats.MessageQuery) []chats.Hit {
	fx.t.Helper()
	var all []chats.Hit
	for {
		page, err := fx.svc.Messages(fx.ctx, fx.user, string(id), q)
		if err != nil {
			fx.t.Fatal(err)
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		q.Cursor = page.Next
	}
}

// expected is what parsing content with opts directly gives.
func expected(t *testing.T, content string, opts chatparse.Options) ([]core.Message, chatparse.Report, chatstats.Result) {
	t.Helper()
	stats := chatstats.New(chatstats.Options{Location: opts.Location})
	s := chatparse.Parse(strings.NewReader(content), opts)
	var msgs []core.Message
	for m, err := range s.Messages() {
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
		stats.Add(&m)
	}
	return msgs, s.Report(), stats.Result()
}

func TestImportEachFormat(t *testing.T) { forEachBackend(t, testImportEachFormat) }

func testImportEachFormat(t *testing.T, open opener) {
	cases := []struct {
		name, content string
		format        string
		report        chatparse.Format
		title         string
		messages      int64
	}{
		{"whatsapp", whatsApp, "whatsapp", chatparse.FormatWhatsApp, "WhatsApp chat, 2021-03-04 – 2022-05-06", 7},
		{"telegram", telegram, "telegram", chatparse.FormatTelegram, "Team Chat", 3},
		{"discord", discord, "discord", chatparse.FormatDiscord, "Guild / general", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, open)
			d := fx.mustImport(tc.content, chats.ImportOptions{})
			c := d.Chat
			if _, ok := core.ParseID(string(c.ID)); !ok || strings.ToLower(string(c.ID)) != string(c.ID) {
				t.Errorf("id %q is not a canonical id", c.ID)
			}
			want := core.Chat{ID: c.ID, User: fx.user, Title: tc.title, Format: tc.format, Messages: tc.messages,
				Bytes: int64(len(tc.content)), Version: 1, CreatedAt: fx.clock.Now(), UpdatedAt: fx.clock.Now(),
				SHA256: c.SHA256, Report: c.Report}
			if !reflect.DeepEqual(c, want) {
				t.Errorf("chat\n got %+v\nwant %+v", c, want)
			}
			if d.Report.Format != tc.report || d.Report.Messages != int(tc.messages) {
				t.Errorf("report: format %v, %d messages", d.Report.Format, d.Report.Messages)
			}
			got, err := fx.svc.Get(fx.ctx, fx.user, strings.ToUpper(string(c.ID)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, d) {
				t.Errorf("Get differs from what Import returned:\n got %+v\nwant %+v", got, d)
			}
			msgs, _, _ := expected(t, tc.content, chatparse.Options{})
			hits := fx.messages(c.ID, chats.MessageQuery{})
			if len(hits) != len(msgs) {
				t.Fatalf("%d messages stored, %d parsed", len(hits), len(msgs))
			}
			for i, h := range hits {
				if !reflect.DeepEqual(h.Message, msgs[i]) {
					t.Errorf("message %d\n got %+v\nwant %+v", i+1, h.Message, msgs[i])
				}
			}
		})
	}
}

func TestImportZip(t *testing.T) { forEachBackend(t, testImportZip) }

func testImportZip(t *testing.T, open opener) {
	fx := newFixture(t, open)
	content := zipOf(t, "IMG-001.jpg", "not really a picture", "_chat.txt", whatsApp)
	d := fx.mustImport(content, chats.ImportOptions{})
	if d.Chat.Format != "whatsapp" || d.Report.Format != chatparse.FormatWhatsAppZip || d.Chat.Messages != 7 {
		t.Errorf("chat format %q, report format %v, %d messages", d.Chat.Format, d.Report.Format, d.Chat.Messages)
	}
	if !reflect.DeepEqual(d.Report.Attachments, []string{"IMG-001.jpg"}) {
		t.Errorf("attachments %q", d.Report.Attachments)
	}
	if hits := fx.messages(d.Chat.ID, chats.MessageQuery{}); len(hits) != 7 {
		t.Errorf("%d messages stored", len(hits))
	}
}

func TestImportOptions(t *testing.T) { forEachBackend(t, testImportOptions) }

func testImportOptions(t *testing.T, open opener) {
	fx := newFixture(t, open)
	d := fx.mustImport(whatsApp, chats.ImportOptions{Title: "  Old friends ", DateOrder: "m/d/y", TimeZone: "Europe/Berlin"})
	if d.Chat.Title != "Old friends" || d.Chat.TimeZone != "Europe/Berlin" || d.Report.DateOrder != chatparse.MonthDayYear {
		t.Errorf("title %q, time zone %q, date order %v", d.Chat.Title, d.Chat.TimeZone, d.Report.DateOrder)
	}
	hits := fx.messages(d.Chat.ID, chats.MessageQuery{})
	first := hits[0].Message
	// Read month first, 04/03/2021 is April 3rd; 10:00 in Berlin (summer time) is 08:00 UTC.
	if want := time.Date(2021, 4, 3, 8, 0, 0, 0, time.UTC); !first.At.Equal(want) {
		t.Errorf("first message at %v, want %v", first.At, want)
	}
	_, st := fx.statistics(d.Chat.ID)
	if st.Location != "Europe/Berlin" {
		t.Errorf("statistics computed in %q", st.Location)
	}

	bad := []chats.ImportOptions{
		{Title: "   "},
		{Title: strings.Repeat("x", core.MaxChatTitleLength+1)},
		{Title: "a\u202eb"},
		{DateOrder: "dym"},
		{TimeZone: "Local"},
		{TimeZone: "Mars/Olympus_Mons"},
		{TimeZone: "europe/berlin"},
		{TimeZone: "posixrules"},
		{TimeZone: "posix/Europe/Berlin"},
		{TimeZone: "../../etc/passwd"},
		{TimeZone: "/usr/share/zoneinfo/UTC"},
		{TelegramChat: "a\x00b"},
	}
	for _, o := range bad {
		_, _, err := fx.importAs(fx.user, telegram, o)
		var verr *core.ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("options %+v: got %v, want a validation error", o, err)
		}
	}
	if n := len(fx.chats(fx.user)); n != 1 {
		t.Errorf("%d chats after refused imports, want 1", n)
	}
	for _, zone := range []string{"UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "America/Port-au-Prince"} {
		if _, err := chats.LoadTimeZone(zone); err != nil {
			t.Errorf("%s: %v", zone, err)
		}
	}
}

func (fx *fixture) statistics(id core.ChatID) (chats.Details, chatstats.Result) {
	fx.t.Helper()
	d, st, err := fx.svc.Statistics(fx.ctx, fx.user, string(id))
	if err != nil {
		fx.t.Fatal(err)
	}
	return d, st
}

func TestSameFileTwiceIsOneChat(t *testing.T) { forEachBackend(t, testSameFileTwiceIsOneChat) }

func testSameFileTwiceIsOneChat(t *testing.T, open opener) {
	fx := newFixture(t, open)
	first := fx.mustImport(whatsApp, chats.ImportOptions{})
	again, created, err := fx.importAs(fx.user, whatsApp, chats.ImportOptions{Title: "Another title"})
	if err != nil || created {
		t.Fatalf("second import: created %v, %v", created, err)
	}
	if !reflect.DeepEqual(again, first) {
		t.Errorf("second import returned\n %+v\nwant the first chat\n %+v", again, first)
	}
	// Another user's copy of the file is that user's own chat.
	theirs, created, err := fx.importAs(fx.other, whatsApp, chats.ImportOptions{})
	if err != nil || !created || theirs.Chat.ID == first.Chat.ID {
		t.Fatalf("other user's import: created %v, %v", created, err)
	}
	if n := len(fx.chats(fx.user)); n != 1 {
		t.Errorf("%d chats, want 1", n)
	}
}

func TestConcurrentImportsOfOneFileMakeOneChat(t *testing.T) {
	forEachBackend(t, testConcurrentImportsOfOneFileMakeOneChat)
}

func testConcurrentImportsOfOneFileMakeOneChat(t *testing.T, open opener) {
	fx := newFixture(t, open)
	const n = 6
	var wg sync.WaitGroup
	results := make([]chats.Details, n)
	created := make([]bool, n)
	errs := make([]error, n)
	uploads := make([]*chats.Upload, n)
	for i := range uploads {
		uploads[i] = fx.upload(whatsApp)
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], created[i], errs[i] = fx.svc.Import(fx.ctx, fx.user, uploads[i], chats.ImportOptions{})
		}()
	}
	wg.Wait()
	news := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("import %d: %v", i, errs[i])
		}
		if created[i] {
			news++
		}
		if results[i].Chat.ID != results[0].Chat.ID {
			t.Errorf("import %d returned chat %s, import 0 chat %s", i, results[i].Chat.ID, results[0].Chat.ID)
		}
	}
	if news != 1 {
		t.Errorf("%d imports created a chat, want 1", news)
	}
	list := fx.chats(fx.user)
	if len(list) != 1 || list[0].Messages != 7 {
		t.Fatalf("chats after concurrent imports: %+v", list)
	}
	if hits := fx.messages(list[0].ID, chats.MessageQuery{}); len(hits) != 7 {
		t.Errorf("%d messages stored, want 7", len(hits))
	}
}

func TestNotAnExportStoresNothing(t *testing.T) { forEachBackend(t, testNotAnExportStoresNothing) }

func testNotAnExportStoresNothing(t *testing.T, open opener) {
	cases := map[string]string{
		"garbage":          "just some text\nthat is no chat export\n",
		"empty":            "",
		"notices only":     whatsAppNoticesOnly,
		"telegram empty":   `{"name":"Empty","type":"personal_chat","id":1,"messages":[]}`,
		"telegram cut off": telegram[:len(telegram)/2],
		"discord bad json": `{"guild":{"id":"1","name":"G"},"channel":{"id":"2","name":"c"},"messages":[{"id":"1",,]}`,
		"zip without chat": zipOf(t, "IMG-001.jpg", "picture", "notes.md", "hello"),
		"damaged zip":      zipOf(t, "_chat.txt", whatsApp)[:60],
		"telegram account": `{"about":"x","chats":{"about":"y","list":[{"name":"A","type":"personal_chat","id":1,"messages":[]}]}}`,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, open)
			_, created, err := fx.importAs(fx.user, content, chats.ImportOptions{})
			var ie *chats.ImportError
			if !errors.As(err, &ie) || !errors.Is(err, core.ErrInvalid) || created {
				t.Fatalf("got created %v, %v; want an *ImportError", created, err)
			}
			if ie.Reason == "" || strings.Contains(ie.Reason, "Alice") || strings.Contains(ie.Reason, "A\"") {
				t.Errorf("reason %q", ie.Reason)
			}
			if list := fx.chats(fx.user); len(list) != 0 {
				t.Errorf("a refused import left chats: %+v", list)
			}
		})
	}
}

func TestNoMessagesReportSaysWhy(t *testing.T) { forEachBackend(t, testNoMessagesReportSaysWhy) }

func testNoMessagesReportSaysWhy(t *testing.T, open opener) {
	fx := newFixture(t, open)
	_, _, err := fx.importAs(fx.user, whatsAppNoticesOnly, chats.ImportOptions{})
	var ie *chats.ImportError
	if !errors.As(err, &ie) {
		t.Fatal(err)
	}
	if ie.Report.Format != chatparse.FormatWhatsApp || ie.Report.SystemMessages != 2 || !strings.Contains(ie.Reason, "2 system notices") {
		t.Errorf("reason %q, report %+v", ie.Reason, ie.Report)
	}
	// A refused import is no upload: the hourly limit does not count it.
	fx2 := newFixture(t, open, withConfig(func(c *chats.Config) { c.UploadsPerHour = 1 }))
	if _, _, err := fx2.importAs(fx2.user, whatsAppNoticesOnly, chats.ImportOptions{}); err == nil {
		t.Fatal("no error")
	}
	fx2.mustImport(whatsApp, chats.ImportOptions{})
}

func TestZipChatTooLargeToUnpack(t *testing.T) { forEachBackend(t, testZipChatTooLargeToUnpack) }

func testZipChatTooLargeToUnpack(t *testing.T, open opener) {
	fx := newFixture(t, open, withConfig(func(c *chats.Config) { c.ParseLimits.MaxZipChatBytes = 100 }))
	_, _, err := fx.importAs(fx.user, zipOf(t, "_chat.txt", whatsApp), chats.ImportOptions{})
	if !errors.Is(err, chats.ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if list := fx.chats(fx.user); len(list) != 0 {
		t.Errorf("chats left: %+v", list)
	}
}

// By default a zip's chat may unpack to no more than a .txt upload may
// hold: a small zip that inflates past MaxUploadBytes is refused.
func TestZipChatUnpacksToTheUploadLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open opener) {
		chat := whatsApp + strings.Repeat("04/03/2021, 10:05 - Alice: and again\n", 500)
		fx := newFixture(t, open, withConfig(func(c *chats.Config) { c.MaxUploadBytes = int64(len(chat)) - 1 }))
		zipped := zipOf(t, "_chat.txt", chat)
		if len(zipped) >= len(chat)-1 {
			t.Fatalf("the zip (%d bytes) does not fit under the limit (%d): the test proves nothing", len(zipped), len(chat)-1)
		}
		_, _, err := fx.importAs(fx.user, zipped, chats.ImportOptions{})
		if !errors.Is(err, chats.ErrTooLarge) {
			t.Fatalf("got %v, want ErrTooLarge", err)
		}
	})
}

func TestUploadLimits(t *testing.T) { forEachBackend(t, testUploadLimits) }

func testUploadLimits(t *testing.T, open opener) {
	fx := newFixture(t, open, withConfig(func(c *chats.Config) { c.UploadsPerHour = 2 }))
	start := fx.clock.Now()
	first := fx.mustImport(whatsApp, chats.ImportOptions{})
	fx.clock.advance(10 * time.Minute)
	fx.mustImport(telegram, chats.ImportOptions{})
	fx.clock.advance(10 * time.Minute)
	// Deleting a chat does not give back its upload.
	if err := fx.svc.Delete(fx.ctx, fx.user, string(first.Chat.ID)); err != nil {
		t.Fatal(err)
	}
	_, _, err := fx.importAs(fx.user, discord, chats.ImportOptions{})
	var le *chats.UploadLimitError
	if !errors.As(err, &le) || !errors.Is(err, chats.ErrUploadLimit) || le.Bytes {
		t.Fatalf("got %v, want an hourly UploadLimitError", err)
	}
	// The first upload leaves the hour 40 minutes from now: the window then
	// still holds it (since is inclusive), a second later it does not.
	if le.RetryAfter < 40*time.Minute || le.RetryAfter > 40*time.Minute+time.Second {
		t.Errorf("retry after %v, want 40m or 40m1s", le.RetryAfter)
	}
	fx.clock.now = start.Add(20*time.Minute + le.RetryAfter)
	fx.mustImport(discord, chats.ImportOptions{})

	// Stored bytes: the live chats' sizes and this file together.
	fb := newFixture(t, open, withConfig(func(c *chats.Config) { c.MaxStoredBytes = int64(len(whatsApp) + len(discord)) }))
	fb.mustImport(whatsApp, chats.ImportOptions{})
	_, _, err = fb.importAs(fb.user, telegram, chats.ImportOptions{})
	if !errors.As(err, &le) || !le.Bytes {
		t.Fatalf("got %v, want a stored-bytes UploadLimitError", err)
	}
	fb.mustImport(discord, chats.ImportOptions{}) // exactly at the limit
	if n := len(fb.chats(fb.user)); n != 2 {
		t.Errorf("%d chats, want 2", n)
	}
}

func TestSpool(t *testing.T) { forEachBackend(t, testSpool) }

func testSpool(t *testing.T, open opener) {
	fx := newFixture(t, open, withConfig(func(c *chats.Config) { c.MaxUploadBytes = 10 }))
	up := fx.upload("0123456789")
	if up.Bytes != 10 || up.SHA256 != "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882" {
		t.Errorf("bytes %d, sha256 %s", up.Bytes, up.SHA256)
	}
	// While held, the spool has no name on disk (but on Windows), so a
	// process killed now leaves nothing behind; it still reads back whole.
	named := 0
	if runtime.GOOS == "windows" {
		named = 1
	}
	if len(fx.spooled()) != named {
		t.Errorf("spooled files while the upload is held: %v; want %d", fx.spooled(), named)
	}
	var notExport *chats.ImportError // "0123456789" is read back, and is no export
	if _, _, err := fx.svc.Import(fx.ctx, fx.user, up, chats.ImportOptions{}); !errors.As(err, &notExport) {
		t.Errorf("importing the held spool: %v; want an ImportError", err)
	}
	if err := up.Close(); err != nil {
		t.Fatal(err)
	}
	if err := up.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, _, err := fx.svc.Import(fx.ctx, fx.user, up, chats.ImportOptions{}); err == nil {
		t.Error("a closed upload was imported")
	}
	if _, err := fx.svc.Spool(fx.ctx, strings.NewReader("0123456789A")); !errors.Is(err, chats.ErrTooLarge) {
		t.Errorf("11 bytes: %v, want ErrTooLarge", err)
	}
	broken := errors.New("connection reset")
	if _, err := fx.svc.Spool(fx.ctx, &failingReader{data: "0123", err: broken}); !errors.Is(err, broken) {
		t.Errorf("failing reader: %v", err)
	}
	ctx, cancel := context.WithCancel(fx.ctx)
	cancel()
	if _, err := fx.svc.Spool(ctx, strings.NewReader("0123")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if left := fx.spooled(); len(left) != 0 {
		t.Errorf("failed spools left files: %v", left)
	}
}

type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestRename(t *testing.T) { forEachBackend(t, testRename) }

func testRename(t *testing.T, open opener) {
	fx := newFixture(t, open)
	d := fx.mustImport(whatsApp, chats.ImportOptions{})
	id := string(d.Chat.ID)
	fx.clock.advance(time.Minute)
	renamed, err := fx.svc.Rename(fx.ctx, fx.user, id, " Family ", 1)
	if err != nil {
		t.Fatal(err)
	}
	if c := renamed.Chat; c.Title != "Family" || c.Version != 2 || !c.UpdatedAt.Equal(fx.clock.Now()) || !c.CreatedAt.Equal(d.Chat.CreatedAt) {
		t.Errorf("renamed chat %+v", c)
	}
	if _, err := fx.svc.Rename(fx.ctx, fx.user, id, "Stale", 1); !errors.Is(err, chats.ErrVersionMismatch) {
		t.Errorf("stale version: %v", err)
	}
	if _, err := fx.svc.Rename(fx.ctx, fx.user, id, " ", 2); !errors.Is(err, core.ErrInvalid) {
		t.Errorf("blank title: %v", err)
	}
	for _, bad := range []string{"nope", "{" + id + "}", string(fx.user)} {
		if _, err := fx.svc.Rename(fx.ctx, fx.user, bad, "X", 2); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("id %q: %v", bad, err)
		}
	}
	if _, err := fx.svc.Rename(fx.ctx, fx.other, id, "Mine", 2); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("another user's chat: %v", err)
	}
	got, err := fx.svc.Get(fx.ctx, fx.user, id)
	if err != nil || got.Chat.Title != "Family" || got.Chat.Version != 2 {
		t.Errorf("after renames: %+v, %v", got.Chat, err)
	}
}

func TestDeleteAndRestore(t *testing.T) { forEachBackend(t, testDeleteAndRestore) }

func testDeleteAndRestore(t *testing.T, open opener) {
	fx := newFixture(t, open)
	d := fx.mustImport(whatsApp, chats.ImportOptions{})
	id := string(d.Chat.ID)
	if err := fx.svc.Delete(fx.ctx, fx.other, id); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("another user's delete: %v", err)
	}
	if err := fx.svc.Delete(fx.ctx, fx.user, id); err != nil {
		t.Fatal(err)
	}
	if err := fx.svc.Delete(fx.ctx, fx.user, id); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := fx.svc.Get(fx.ctx, fx.user, id); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if _, err := fx.svc.Messages(fx.ctx, fx.user, id, chats.MessageQuery{}); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("messages after delete: %v", err)
	}
	if _, _, err := fx.svc.Statistics(fx.ctx, fx.user, id); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("statistics after delete: %v", err)
	}
	if list := fx.chats(fx.user); len(list) != 0 {
		t.Errorf("listed after delete: %+v", list)
	}
	if _, err := fx.svc.Restore(fx.ctx, fx.other, id); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("another user's restore: %v", err)
	}
	back, err := fx.svc.Restore(fx.ctx, fx.user, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, d) {
		t.Errorf("restored\n %+v\nwant\n %+v", back, d)
	}
	if hits := fx.messages(d.Chat.ID, chats.MessageQuery{}); len(hits) != 7 {
		t.Errorf("%d messages after restore", len(hits))
	}

	// The same file uploaded again while the chat is deleted: a new chat,
	// and the old one cannot come back beside it.
	if err := fx.svc.Delete(fx.ctx, fx.user, id); err != nil {
		t.Fatal(err)
	}
	again := fx.mustImport(whatsApp, chats.ImportOptions{})
	if again.Chat.ID == d.Chat.ID {
		t.Fatal("the deleted chat was returned for a new upload")
	}
	if _, err := fx.svc.Restore(fx.ctx, fx.user, id); !errors.Is(err, core.ErrConflict) {
		t.Errorf("restore beside a new upload of the file: %v", err)
	}
}

func TestMessagesPagesFiltersAndSearch(t *testing.T) {
	forEachBackend(t, testMessagesPagesFiltersAndSearch)
}

func testMessagesPagesFiltersAndSearch(t *testing.T, open opener) {
	fx := newFixture(t, open)
	d := fx.mustImport(whatsApp, chats.ImportOptions{})
	id := d.Chat.ID

	// Pages of two, in chat order, none skipped or repeated.
	hits := fx.messages(id, chats.MessageQuery{Limit: 2})
	for i, h := range hits {
		if h.Message.Seq != int64(i+1) || h.Marks != nil {
			t.Errorf("hit %d: seq %d, marks %v", i, h.Message.Seq, h.Marks)
		}
	}
	if len(hits) != 7 {
		t.Fatalf("%d messages paged", len(hits))
	}
	page, err := fx.svc.Messages(fx.ctx, fx.user, string(id), chats.MessageQuery{Limit: 3})
	if err != nil || len(page.Items) != 3 || page.Next == "" {
		t.Fatalf("first page: %d items, next %q, %v", len(page.Items), page.Next, err)
	}

	seqs := func(hits []chats.Hit) []int64 {
		out := []int64{}
		for _, h := range hits {
			out = append(out, h.Message.Seq)
		}
		return out
	}
	if got := seqs(fx.messages(id, chats.MessageQuery{Author: "Bob"})); !reflect.DeepEqual(got, []int64{2, 5, 6}) {
		t.Errorf("Bob's messages: %v", got)
	}
	from := time.Date(2021, 3, 4, 10, 1, 0, 0, time.UTC)
	to := time.Date(2021, 3, 5, 9, 35, 0, 0, time.UTC)
	if got := seqs(fx.messages(id, chats.MessageQuery{From: from, To: to})); !reflect.DeepEqual(got, []int64{2, 3, 4}) {
		t.Errorf("from %v to %v: %v", from, to, got)
	}

	// Search ignores case and accents; marks are the matched words as written.
	found := fx.messages(id, chats.MessageQuery{Q: "CAFE", Limit: 1})
	if got := seqs(found); !reflect.DeepEqual(got, []int64{2, 3}) {
		t.Fatalf("search: %v", got)
	}
	for _, h := range found {
		var words []string
		for _, m := range h.Marks {
			words = append(words, h.Message.Text[m.Start:m.End])
		}
		want := map[int64][]string{2: {"café"}, 3: {"Café", "café"}}[h.Message.Seq]
		if !reflect.DeepEqual(words, want) {
			t.Errorf("message %d marks %q, want %q", h.Message.Seq, words, want)
		}
	}
	if got := seqs(fx.messages(id, chats.MessageQuery{Q: "cafe which", Author: "Alice"})); !reflect.DeepEqual(got, []int64{3}) {
		t.Errorf("search with author: %v", got)
	}

	bad := []chats.MessageQuery{
		{Q: "?!"},
		{Q: strings.Repeat("a ", core.MaxSearchQueryLength)},
		{From: to, To: from},
		{Cursor: "not-a-cursor"},
		{Cursor: page.Next + "x"},
		{Limit: core.MaxPageLimit + 1},
		{Limit: -1},
		{Author: "a\x00"},
		{From: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{To: time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	for _, q := range bad {
		_, err := fx.svc.Messages(fx.ctx, fx.user, string(id), q)
		var verr *core.ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("query %+v: %v, want a validation error", q, err)
		}
	}
	for _, bad := range []string{"x", strings.ToUpper(string(id)) + " "} {
		if _, err := fx.svc.Messages(fx.ctx, fx.user, bad, chats.MessageQuery{}); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("id %q: %v", bad, err)
		}
	}
	if _, err := fx.svc.Messages(fx.ctx, fx.other, string(id), chats.MessageQuery{}); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("another user's messages: %v", err)
	}
}

func TestListPages(t *testing.T) { forEachBackend(t, testListPages) }

func testListPages(t *testing.T, open opener) {
	fx := newFixture(t, open)
	var ids []core.ChatID
	for _, content := range []string{whatsApp, telegram, discord} {
		ids = append([]core.ChatID{fx.mustImport(content, chats.ImportOptions{}).Chat.ID}, ids...)
		fx.clock.advance(time.Second)
	}
	var got []core.ChatID
	cursor := ""
	for {
		page, err := fx.svc.List(fx.ctx, fx.user, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if !reflect.DeepEqual(got, ids) {
		t.Errorf("listed %v, want newest first %v", got, ids)
	}
	if _, err := fx.svc.List(fx.ctx, fx.user, "bogus", 2); !errors.Is(err, core.ErrInvalid) {
		t.Errorf("bad cursor: %v", err)
	}
	if list := fx.chats(fx.other); len(list) != 0 {
		t.Errorf("another user lists %+v", list)
	}
}

func TestStatisticsRoundTrip(t *testing.T) { forEachBackend(t, testStatisticsRoundTrip) }

func testStatisticsRoundTrip(t *testing.T, open opener) {
	for _, zone := range []string{"", "Asia/Kolkata"} {
		t.Run("zone="+zone, func(t *testing.T) {
			fx := newFixture(t, open)
			d := fx.mustImport(whatsApp, chats.ImportOptions{TimeZone: zone})
			var opts chatparse.Options
			if zone != "" {
				loc, err := time.LoadLocation(zone)
				if err != nil {
					t.Fatal(err)
				}
				opts.Location = loc
			}
			_, rep, want := expected(t, whatsApp, opts)
			got, st, err := fx.svc.Statistics(fx.ctx, fx.user, string(d.Chat.ID))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(st, want) {
				t.Errorf("statistics\n got %+v\nwant %+v", st, want)
			}
			if st.Messages != 7 || len(st.Authors) != 2 || st.Silence == 0 || st.First.Local.IsZero() || len(st.ByDay) == 0 {
				t.Errorf("statistics look empty: %+v", st)
			}
			if !reflect.DeepEqual(got, d) {
				t.Errorf("details\n got %+v\nwant %+v", got, d)
			}
			// The report as stored is the parser's, every exported field.
			if !reflect.DeepEqual(exported(got.Report), exported(rep)) {
				t.Errorf("report\n got %+v\nwant %+v", got.Report, rep)
			}
		})
	}
}

// exported copies a report's exported fields (the rest are the parser's
// working state, which is not stored).
func exported(r chatparse.Report) chatparse.Report {
	return chatparse.Report{Format: r.Format, ParserVersion: r.ParserVersion, DateOrder: r.DateOrder,
		DateOrderReason: r.DateOrderReason, Chat: r.Chat, Messages: r.Messages, SystemMessages: r.SystemMessages,
		MediaMessages: r.MediaMessages, Kinds: r.Kinds, Participants: r.Participants,
		ParticipantsTruncated: r.ParticipantsTruncated, First: r.First, Last: r.Last,
		UnparsedLines: r.UnparsedLines, FirstUnparsedLines: r.FirstUnparsedLines, SkippedEntries: r.SkippedEntries,
		Duplicates: r.Duplicates, ClampedTimes: r.ClampedTimes, TruncatedLines: r.TruncatedLines,
		TruncatedMessages: r.TruncatedMessages, RepairedUTF8: r.RepairedUTF8, RepairedNUL: r.RepairedNUL,
		Attachments: r.Attachments, AttachmentCount: r.AttachmentCount, Warnings: r.Warnings}
}

func TestPurgeAfterRetention(t *testing.T) { forEachBackend(t, testPurgeAfterRetention) }

func testPurgeAfterRetention(t *testing.T, open opener) {
	fx := newFixture(t, open, withConfig(func(c *chats.Config) { c.PurgeBatch = 2; c.Retention = 48 * time.Hour }))
	gone := fx.mustImport(whatsApp, chats.ImportOptions{})
	kept := fx.mustImport(telegram, chats.ImportOptions{})
	recent := fx.mustImport(discord, chats.ImportOptions{})
	if err := fx.svc.Delete(fx.ctx, fx.user, string(gone.Chat.ID)); err != nil {
		t.Fatal(err)
	}
	if n, err := fx.svc.Purge(fx.ctx); err != nil || n != 0 {
		t.Fatalf("purge within retention: %d, %v", n, err)
	}
	fx.clock.advance(47 * time.Hour)
	if err := fx.svc.Delete(fx.ctx, fx.user, string(recent.Chat.ID)); err != nil {
		t.Fatal(err)
	}
	fx.clock.advance(2 * time.Hour)
	if n, err := fx.svc.Purge(fx.ctx); err != nil || n != 1 {
		t.Fatalf("purge after retention: %d, %v", n, err)
	}
	if _, err := fx.svc.Restore(fx.ctx, fx.user, string(gone.Chat.ID)); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("restore of a purged chat: %v", err)
	}
	if n, err := fx.svc.Purge(fx.ctx); err != nil || n != 0 {
		t.Errorf("second purge: %d, %v", n, err)
	}
	if hits := fx.messages(kept.Chat.ID, chats.MessageQuery{}); len(hits) != 3 {
		t.Errorf("the live chat keeps %d messages", len(hits))
	}
	if _, err := fx.svc.Restore(fx.ctx, fx.user, string(recent.Chat.ID)); err != nil {
		t.Errorf("the chat deleted within retention: %v", err)
	}
	// The purged file can be uploaded again.
	fx.mustImport(whatsApp, chats.ImportOptions{})
}

// replaying is a unit of work that runs every unit's function twice: the
// first attempt is rolled back (as if contention had ended it), the second
// commits, as the store's retry loop would replay it.
type replaying struct {
	ports.UnitOfWork
	mu       sync.Mutex
	attempts int
}

var errReplay = errors.New("replay")

func (r *replaying) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error, opts ...ports.UnitOption) error {
	err := r.UnitOfWork.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		r.mu.Lock()
		r.attempts++
		r.mu.Unlock()
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return errReplay
	}, opts...)
	if !errors.Is(err, errReplay) {
		return err
	}
	return r.UnitOfWork.Do(ctx, fn, opts...)
}

func TestReplayedImportRereadsTheFile(t *testing.T) {
	forEachBackend(t, testReplayedImportRereadsTheFile)
}

func testReplayedImportRereadsTheFile(t *testing.T, open opener) {
	for _, content := range []string{whatsApp, zipOf(t, "_chat.txt", whatsApp), telegram} {
		var r *replaying
		fx := newFixtureOn(t, open, func(uow ports.UnitOfWork) ports.UnitOfWork {
			r = &replaying{UnitOfWork: uow}
			return r
		})
		d := fx.mustImport(content, chats.ImportOptions{})
		if r.attempts < 2 {
			t.Fatalf("%d attempts", r.attempts)
		}
		msgs := fx.messages(d.Chat.ID, chats.MessageQuery{})
		if int64(len(msgs)) != d.Chat.Messages || d.Chat.Messages == 0 || d.Report.Messages != len(msgs) {
			t.Errorf("%d messages stored, chat says %d, report %d", len(msgs), d.Chat.Messages, d.Report.Messages)
		}
		_, st := fx.statistics(d.Chat.ID)
		if st.Messages+st.SystemMessages != len(msgs) {
			t.Errorf("statistics count %d+%d messages of %d", st.Messages, st.SystemMessages, len(msgs))
		}
		if list := fx.chats(fx.user); len(list) != 1 {
			t.Errorf("%d chats", len(list))
		}
	}
}

func TestImportHonoursContext(t *testing.T) { forEachBackend(t, testImportHonoursContext) }

func testImportHonoursContext(t *testing.T, open opener) {
	fx := newFixture(t, open)
	up := fx.upload(whatsApp)
	ctx, cancel := context.WithCancel(fx.ctx)
	cancel()
	if _, _, err := fx.svc.Import(ctx, fx.user, up, chats.ImportOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: %v", err)
	}
	if list := fx.chats(fx.user); len(list) != 0 {
		t.Errorf("chats: %+v", list)
	}
}

func TestTelegramAccountExport(t *testing.T) { forEachBackend(t, testTelegramAccountExport) }

func testTelegramAccountExport(t *testing.T, open opener) {
	fx := newFixture(t, open)
	account := `{"about":"Here is the data you requested.","chats":{"about":"chats","list":[
{"name":"Alpha","type":"personal_chat","id":1,"messages":[
{"id":1,"type":"message","date":"2021-03-04T10:00:00","date_unixtime":"1614852000","from":"Alice","from_id":"user1","text":"in alpha"}]},
{"name":"Beta","type":"personal_chat","id":2,"messages":[
{"id":1,"type":"message","date":"2021-03-05T10:00:00","date_unixtime":"1614938400","from":"Bob","from_id":"user2","text":"in beta"},
{"id":2,"type":"message","date":"2021-03-05T10:01:00","date_unixtime":"1614938460","from":"Alice","from_id":"user1","text":"yes"}]}
]}}`
	_, _, err := fx.importAs(fx.user, account, chats.ImportOptions{})
	var ie *chats.ImportError
	if !errors.As(err, &ie) || !strings.Contains(ie.Reason, "telegram_chat") {
		t.Fatalf("no chat chosen: %v", err)
	}
	if _, _, err := fx.importAs(fx.user, account, chats.ImportOptions{TelegramChat: "Gamma"}); !errors.As(err, &ie) {
		t.Fatalf("a chat the export does not hold: %v", err)
	}
	d := fx.mustImport(account, chats.ImportOptions{TelegramChat: "Beta"})
	if d.Chat.Title != "Beta" || d.Chat.Messages != 2 || d.Chat.Format != "telegram" {
		t.Errorf("chat %+v", d.Chat)
	}
}

func TestLargeChatImportsAndPurgesInBatches(t *testing.T) {
	forEachBackend(t, testLargeChatImportsAndPurgesInBatches)
}

func testLargeChatImportsAndPurgesInBatches(t *testing.T, open opener) {
	fx := newFixture(t, open, withConfig(func(c *chats.Config) { c.PurgeBatch = 700; c.Retention = time.Hour }))
	const n = 5000
	var b strings.Builder
	start := time.Date(2020, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		at := start.Add(time.Duration(i) * 7 * time.Minute)
		fmt.Fprintf(&b, "%s - %s: message number %d\n", at.Format("02/01/2006, 15:04"), []string{"Alice", "Bob", "Carol"}[i%3], i+1)
	}
	d := fx.mustImport(b.String(), chats.ImportOptions{})
	if d.Chat.Messages != n || d.Report.Messages != n {
		t.Fatalf("%d messages stored, report %d", d.Chat.Messages, d.Report.Messages)
	}
	_, st := fx.statistics(d.Chat.ID)
	if st.Messages != n || len(st.Authors) != 3 {
		t.Errorf("statistics: %d messages by %d authors", st.Messages, len(st.Authors))
	}
	last, err := fx.svc.Messages(fx.ctx, fx.user, string(d.Chat.ID), chats.MessageQuery{Q: "4999"})
	if err != nil || len(last.Items) != 1 || last.Items[0].Message.Seq != 4999 {
		t.Fatalf("search for one message: %+v, %v", last.Items, err)
	}
	if err := fx.svc.Delete(fx.ctx, fx.user, string(d.Chat.ID)); err != nil {
		t.Fatal(err)
	}
	fx.clock.advance(2 * time.Hour)
	if removed, err := fx.svc.Purge(fx.ctx); err != nil || removed != 1 {
		t.Fatalf("purge: %d, %v", removed, err)
	}
	// The file can come back as a new chat, with all its messages.
	if again := fx.mustImport(b.String(), chats.ImportOptions{}); again.Chat.Messages != n {
		t.Errorf("imported again with %d messages", again.Chat.Messages)
	}
}
