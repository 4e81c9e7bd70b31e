package chatstats

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chatlens/chatlens/core"
)

// Options tune the statistics. The zero value takes every default.
type Options struct {
	// Location is the chat's time zone: activity by hour and day is counted
	// on its clock, and a message with only a wall time (WhatsApp's Local)
	// is read as a time in it. Nil keeps each message's own clock: Local,
	// or At in UTC when the export has no wall time.
	Location *time.Location

	// Silence is the gap after which a message starts a new conversation
	// (default 30 minutes).
	Silence time.Duration

	// MaxResponse is the longest gap after another participant's message
	// that still counts as a response (default 24 hours): a reply a day
	// later is a reply; one a week later starts something new.
	MaxResponse time.Duration

	// TopWords and TopEmoji are the lengths of each author's top lists
	// (defaults 10 and 5).
	TopWords int
	TopEmoji int

	// Languages names the stop-word lists to apply (see StopWordLanguages);
	// empty detects them from the chat. Unknown names are ignored.
	Languages []string

	// ChatWords is the size of the chat's vocabulary (default 4096): its
	// first ChatWords distinct words are counted exactly for every author.
	ChatWords int

	// WordSlots and EmojiSlots bound the distinct words that come after
	// the vocabulary is full, and the emoji, counted per author (defaults
	// 512 and 64); see Count for what a bound costs.
	WordSlots  int
	EmojiSlots int
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.TopWords, 10)
	def(&o.TopEmoji, 5)
	def(&o.ChatWords, 4096)
	def(&o.WordSlots, 512)
	def(&o.EmojiSlots, 64)
	if o.Silence <= 0 {
		o.Silence = 30 * time.Minute
	}
	if o.MaxResponse <= 0 {
		o.MaxResponse = 24 * time.Hour
	}
	return o
}

// Stats computes the statistics of one chat from its messages, one at a
// time, in one pass: memory grows with the authors, the chat's vocabulary (up
// to Options.ChatWords words, and Options.WordSlots more per author) and the
// days, never with the messages.
//
//	s := chatstats.New(chatstats.Options{Location: loc})
//	for msg, err := range stream.Messages() { …; s.Add(&msg) }
//	result := s.Result()
//
// A Stats is not safe for concurrent use.
type Stats struct {
	opts    Options
	buckets int // response-time histogram size

	silenceMs, maxResponseMs int64 // Options.Silence and MaxResponse in milliseconds

	// Authors are told apart by platform id where the export has one,
	// else by name (an id and a name that read the same are two authors).
	byID, byName map[string]*author
	order        []*author
	recent       [16]recentAuthor // authors seen lately: spare a map lookup

	messages, system, unattributed, untimed, outOfOrder, conversations int
	byWeekdayHour                                                      [7][24]int

	days       map[int64]int           // days since 1970-01-01 on the chat's clock
	dayAuthors map[int64][]authorCount // the same days' counts by author (index in order)
	day        int64                   // the current run of messages on one day
	dayStart   int64                   // its first second, on the chat's clock
	weekday    int64                   // and its weekday (0 is Sunday)
	dayCount   int
	run        []int // the current run's counts by author index, for dayAuthors
	runAuthors []int // the indexes run counts, so a flush touches no others

	first, last  ref
	timed        bool  // a timed participant's message was seen
	latest       int64 // the latest instant so far, in milliseconds
	prev         *author
	zone         zonePeriod // the one of Location last looked up (offset)
	wall         zonePeriod // the same for wall times read in Location (localInstant)
	fold         folder
	vocab        vocab
	key          []byte
	forcedLangs  uint32
	forcedLangOK bool
	stops        *stopDict
	pending      []pendingText // texts whose words are not counted yet (addText)
	pendingBytes int
}

// Texts wait in Stats.pending until batchTexts of them or batchBytes of
// text are there, and then have their words counted one after the other.
// The word path is most of the statistics' code; run once a message between
// the parser's, both kept evicting each other from the processor's
// instruction cache and branch predictor. In batches (cachegrind, 100k
// messages, GOGC=off): first-level instruction cache misses 18.4M -> 5.4M
// (ja) and 10.3M -> 3.5M (de), mispredicted branches -12% and -16%, for
// the same instructions. The bytes bound what a batch keeps alive.
const (
	batchTexts = 256
	batchBytes = 64 << 10
)

// pendingText is a text whose words are still to be counted, and its
// author.
type pendingText struct {
	a    *author
	text string
}

// addText counts the words of text for a, now or with the next batch.
func (s *Stats) addText(a *author, text string) {
	s.pending = append(s.pending, pendingText{a: a, text: text})
	if s.pendingBytes += len(text); len(s.pending) == batchTexts || s.pendingBytes >= batchBytes {
		s.scanPending()
	}
}

// scanPending counts the words of the texts waiting, in the order they
// came (the vocabulary numbers words, and the top counters evict, in that
// order).
func (s *Stats) scanPending() {
	for i := range s.pending {
		s.scanText(s.pending[i].a, s.pending[i].text)
	}
	clear(s.pending) // keep no text alive
	s.pending, s.pendingBytes = s.pending[:0], 0
}

// ref is a message remembered for First and Last.
type ref struct {
	seq     int64
	author  int // in order
	local   time.Time
	at      time.Time
	instant int64
}

// refOf is the ref of m, by a, at instant (unix milliseconds).
func refOf(m *core.Message, a *author, instant int64) ref {
	return ref{seq: m.Seq, author: a.index, local: m.Local, at: m.At, instant: instant}
}

type recentAuthor struct {
	byID bool
	key  string
	a    *author
}

// recentAuthor returns the author of key from a small direct-mapped cache
// (a slot picked by length and two bytes of the key): chats go back and
// forth between few people, and one comparison is cheaper than a search.
func (s *Stats) recentAuthor(byID bool, key string) (*author, *recentAuthor) {
	slot := (len(key)*31 + int(key[0]) + int(key[len(key)-1])*7) & (len(s.recent) - 1)
	r := &s.recent[slot]
	if r.a != nil && r.byID == byID && r.key == key {
		return r.a, r
	}
	return nil, r
}

// author is the running count of one participant.
type author struct {
	name, id                        string
	index                           int // in Stats.order
	messages, words, media, deleted int
	emoji, started                  int
	responses                       responseTimes
	counts                          countPages // by vocab id
	topWords, topEmoji              topCounter // words past the vocabulary's, emoji
}

// New returns an empty Stats.
func New(opts Options) *Stats {
	opts = opts.withDefaults()
	s := &Stats{opts: opts, byID: map[string]*author{}, byName: map[string]*author{}, days: map[int64]int{}, dayAuthors: map[int64][]authorCount{},
		buckets: responseBuckets(opts.MaxResponse), day: math.MinInt64, stops: stopWords(),
		silenceMs: opts.Silence.Milliseconds(), maxResponseMs: opts.MaxResponse.Milliseconds(),
		vocab: vocab{limit: opts.ChatWords}}
	if len(opts.Languages) > 0 {
		s.forcedLangs, s.forcedLangOK = languageMask(opts.Languages), true
	}
	return s
}

// Add counts the message m points to, and keeps no reference to it (a
// pointer, as a Message is large and Add is on every message's path); the
// words of m.Text may be counted in a batch by a later Add or by Result,
// so its string is kept until then.
// Messages should come in chat order (core.Message Seq); a message earlier
// in time than one before it is counted as out of order (see
// Result.OutOfOrder).
func (s *Stats) Add(m *core.Message) {
	if m.Kind == core.MessageSystem {
		s.system++
		return
	}
	a := s.authorOf(m)
	if a == nil {
		s.unattributed++
		return
	}
	s.messages++
	a.messages++
	switch m.Kind {
	case core.MessageMedia, core.MessageSticker:
		a.media++
	case core.MessageDeleted:
		a.deleted++
	}
	switch m.Kind {
	case core.MessageText, core.MessageMedia, core.MessagePoll:
		if m.Text != "" {
			s.addText(a, m.Text)
		}
	}
	s.addTime(a, m)
}

// authorOf finds or makes the author of m, keyed by platform id where there
// is one, else by name.
func (s *Stats) authorOf(m *core.Message) *author {
	byID := m.AuthorID != ""
	key := m.AuthorID
	if !byID {
		key = m.Author
	}
	if key == "" {
		return nil
	}
	a, slot := s.recentAuthor(byID, key)
	if a == nil {
		authors := s.byName
		if byID {
			authors = s.byID
		}
		var ok bool
		if a, ok = authors[key]; !ok {
			a = s.newAuthor(strings.Clone(m.AuthorID), strings.Clone(m.Author))
			key = strings.Clone(key)
			authors[key] = a
			s.order = append(s.order, a)
		}
		*slot = recentAuthor{byID: byID, key: key, a: a}
	}
	// The latest display name; an author found by name has it already.
	if byID && m.Author != "" && m.Author != a.name {
		a.name = strings.Clone(m.Author)
	}
	return a
}

// newAuthor returns a new author, the next in order (the caller adds it).
func (s *Stats) newAuthor(id, name string) *author {
	return &author{id: id, name: name, index: len(s.order), counts: newCountPages(s.opts.ChatWords),
		topWords: topCounter{size: s.opts.WordSlots}, topEmoji: topCounter{size: s.opts.EmojiSlots}}
}

// addTime counts m in the activity tables, first and last, conversations
// and response times.
func (s *Stats) addTime(a *author, m *core.Message) {
	instant, wall, ok := s.times(m)
	if !ok {
		s.untimed++
		return
	}
	// Messages come in runs on one day: its start and weekday are kept.
	sec := wall - s.dayStart
	if s.day == math.MinInt64 || sec < 0 || sec >= 86400 {
		day := floorDiv(wall, 86400)
		s.flushDay()
		s.day, s.dayStart, s.weekday = day, day*86400, floorMod(day+4, 7) // 1970-01-01 was a Thursday
		sec = wall - s.dayStart
	}
	s.byWeekdayHour[s.weekday][uint64(sec)/3600]++
	s.dayCount++
	if a.index >= len(s.run) {
		s.run = append(s.run, make([]int, a.index+1-len(s.run))...)
	}
	if s.run[a.index] == 0 {
		s.runAuthors = append(s.runAuthors, a.index)
	}
	s.run[a.index]++

	if !s.timed || instant < s.first.instant {
		s.first = refOf(m, a, instant)
	}
	if !s.timed || instant >= s.last.instant {
		s.last = refOf(m, a, instant)
	}
	if !s.timed {
		s.timed, s.latest, s.prev = true, instant, a
		s.conversations++
		a.started++
		return
	}
	gap := instant - s.latest
	if gap < 0 {
		s.outOfOrder++
		return
	}
	if gap > s.silenceMs {
		s.conversations++
		a.started++
	}
	if a != s.prev && gap <= s.maxResponseMs {
		a.responses.add(gap, s.buckets)
	}
	s.latest, s.prev = instant, a
}

// times returns m's instant (unix milliseconds) and its wall clock on the
// chat's clock (unix seconds of that wall time read as UTC).
func (s *Stats) times(m *core.Message) (instant, wall int64, ok bool) {
	loc := s.opts.Location
	switch {
	case !m.At.IsZero():
		instant = m.At.UnixMilli()
		switch {
		case loc != nil:
			wall = m.At.Unix() + s.offset(m.At)
		case !m.Local.IsZero():
			wall = m.Local.Unix()
		default:
			wall = m.At.Unix()
		}
	case !m.Local.IsZero():
		wall = m.Local.Unix()
		instant = m.Local.UnixMilli()
		if loc != nil {
			instant = s.localInstant(m.Local)
		}
	default:
		return 0, 0, false
	}
	return instant, wall, true
}

// zonePeriod is a period of a time zone with one offset, in unix seconds;
// the zero value holds no instant.
type zonePeriod struct{ from, to, offset int64 }

func (z *zonePeriod) holds(u int64) bool { return u >= z.from && u < z.to }

// lookup sets z to the period of t's zone that holds t.
func (z *zonePeriod) lookup(t time.Time) {
	_, off := t.Zone()
	from, to := t.ZoneBounds()
	*z = zonePeriod{math.MinInt64, math.MaxInt64, int64(off)}
	if !from.IsZero() {
		z.from = from.Unix()
	}
	if !to.IsZero() {
		z.to = to.Unix()
	}
}

// offset returns the offset of Location at t, in seconds, from a cache of
// the zone period last looked up: messages come in runs far longer than one
// daylight-saving period.
func (s *Stats) offset(t time.Time) int64 {
	if !s.zone.holds(t.Unix()) {
		s.zone.lookup(t.In(s.opts.Location))
	}
	return s.zone.offset
}

// localInstant returns the instant, in unix milliseconds, of the wall time l
// in Location: what time.Date gives for l's fields in Location, without a
// call of time.Date while l stays in the zone period last looked up.
//
// time.Date looks up the zone period P (offset o) at the wall time read as
// UTC, u, and answers u-o if u-o is in P too (otherwise it looks up u-o).
// So for any u with both u and u-o in P, its answer is u-o; the period is
// cached with its offset, as offset caches the one of At.
func (s *Stats) localInstant(l time.Time) int64 {
	utc := l.Location() == time.UTC // l's fields are then u's, else ask time.Date
	if u := l.Unix(); utc && s.wall.holds(u) && s.wall.holds(u-s.wall.offset) {
		return l.UnixMilli() - s.wall.offset*1000
	}
	loc := s.opts.Location
	instant := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc).UnixMilli()
	if utc {
		s.wall.lookup(time.Unix(l.Unix(), 0).In(loc)) // the period time.Date looked up first
	}
	return instant
}

func (s *Stats) flushDay() {
	if s.dayCount == 0 {
		return
	}
	s.days[s.day] += s.dayCount
	s.dayCount = 0
	counts := s.dayAuthors[s.day] // set already when a day comes back out of order
	for _, i := range s.runAuthors {
		j := slices.IndexFunc(counts, func(c authorCount) bool { return c.author == i })
		if j < 0 {
			counts = append(counts, authorCount{author: i})
			j = len(counts) - 1
		}
		counts[j].n += s.run[i]
		s.run[i] = 0
	}
	s.runAuthors = s.runAuthors[:0]
	s.dayAuthors[s.day] = counts
}

// authorCount is one author's messages on one day.
type authorCount struct{ author, n int }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// Result returns the statistics of the messages added so far. Adding more
// afterwards is fine; call Result again for the new figures.
func (s *Stats) Result() Result {
	s.scanPending()
	s.flushDay()
	r := Result{Messages: s.messages, SystemMessages: s.system, Unattributed: s.unattributed,
		ByWeekdayHour: s.byWeekdayHour, Conversations: s.conversations, OutOfOrder: s.outOfOrder,
		Untimed: s.untimed, Silence: s.opts.Silence, MaxResponse: s.opts.MaxResponse}
	if s.opts.Location != nil {
		r.Location = s.opts.Location.String()
	}
	langs := s.forcedLangs
	if !s.forcedLangOK {
		langs = s.detectLanguages()
	}
	r.Languages = languageNames(langs)
	rank := s.authorRanks()
	r.Authors = make([]Author, len(s.order))
	for i, a := range s.order {
		ar := Author{Name: a.name, ID: a.id, Messages: a.messages, Words: a.words, Media: a.media,
			Deleted: a.deleted, Emoji: a.emoji, ConversationsStarted: a.started, Responses: a.responses.n,
			TopWords: topOf(s.wordCounts(a, langs), s.opts.TopWords), TopEmoji: topOf(a.topEmoji.counts(nil), s.opts.TopEmoji)}
		ar.MedianResponse, _ = a.responses.median()
		r.Words += a.words
		r.Media += a.media
		r.Emoji += a.emoji
		r.Authors[rank[i]] = ar
	}
	r.ByDay = make([]DayCount, 0, len(s.days))
	for d, n := range s.days {
		dc := DayCount{Date: time.Unix(d*86400, 0).UTC(), Messages: n}
		for _, c := range s.dayAuthors[d] {
			dc.ByAuthor = append(dc.ByAuthor, AuthorCount{Author: rank[c.author], Messages: c.n})
		}
		slices.SortFunc(dc.ByAuthor, func(x, y AuthorCount) int { return cmp.Compare(x.Author, y.Author) })
		r.ByDay = append(r.ByDay, dc)
	}
	slices.SortFunc(r.ByDay, func(x, y DayCount) int { return x.Date.Compare(y.Date) })
	if s.timed {
		r.First, r.Last = s.result(s.first), s.result(s.last)
	}
	return r
}

// authorRanks returns each author's place in Result.Authors, by index in
// s.order: most messages first, ties by name, then id.
func (s *Stats) authorRanks() []int {
	byRank := make([]int, len(s.order))
	for i := range byRank {
		byRank[i] = i
	}
	slices.SortStableFunc(byRank, func(i, j int) int {
		x, y := s.order[i], s.order[j]
		if c := cmp.Compare(y.messages, x.messages); c != 0 {
			return c
		}
		if c := cmp.Compare(x.name, y.name); c != 0 {
			return c
		}
		return cmp.Compare(x.id, y.id)
	})
	rank := make([]int, len(s.order))
	for r, i := range byRank {
		rank[i] = r
	}
	return rank
}

func (s *Stats) result(r ref) MessageRef {
	return MessageRef{Seq: r.seq, Author: s.order[r.author].name, Local: r.local, At: r.at}
}
