package chatstats

import "time"

// Result is the statistics of one chat: plain data, without tags, for the
// storage and HTTP adapters to map.
type Result struct {
	// Messages counts the participants' messages (every kind but system);
	// SystemMessages the platform's notices, which belong to no one;
	// Unattributed the non-system messages with neither author nor author
	// id (core.Message.Validate rejects them), counted nowhere else.
	Messages       int
	SystemMessages int
	Unattributed   int

	// Words, Media (media and stickers) and Emoji are the sums over Authors.
	Words int
	Media int
	Emoji int

	// Authors holds one entry per participant, most messages first (ties by
	// name, then id).
	Authors []Author

	// ByWeekdayHour counts participants' messages by weekday (index 0 is
	// Sunday, as time.Weekday) and hour of the day, on the chat's clock (see
	// Options.Location).
	ByWeekdayHour [7][24]int

	// ByDay counts participants' messages per calendar day on the chat's
	// clock, in date order; days without messages are left out.
	ByDay []DayCount

	// First and Last are the earliest and the latest participant's message
	// in time (the first and the last in file order among equals); zero when
	// no message has a time.
	First MessageRef
	Last  MessageRef

	// Conversations counts the conversations: the first timed message, and
	// every message that follows more than Silence after the latest one
	// before it.
	Conversations int

	// OutOfOrder counts messages earlier than a message before them in the
	// file; they count everywhere except in conversations and response
	// times. Untimed counts messages with neither Local nor At; they count
	// only in messages, words, media and emoji.
	OutOfOrder int
	Untimed    int

	// The settings the statistics were computed with: the chat's time zone
	// (empty when the messages' own clocks were used), the silence that
	// starts a conversation, the longest gap that counts as a response, and
	// the languages whose stop words were left out of the top words.
	Location    string
	Silence     time.Duration
	MaxResponse time.Duration
	Languages   []string
}

// Author is what one participant wrote.
type Author struct {
	// Name is the author's display name as last written (empty when the
	// export gives only an id); ID the platform's id, when the export has
	// one. Authors are told apart by ID where there is one, else by Name.
	Name string
	ID   string

	Messages int // every kind but system
	Words    int // in texts, captions and polls (see the package comment)
	Media    int // media and stickers
	Deleted  int // deleted-message markers
	Emoji    int // emoji in texts, captions and polls

	// ConversationsStarted counts the conversations this author's message
	// began (see Result.Conversations).
	ConversationsStarted int

	// Responses counts this author's messages that follow another
	// participant's within MaxResponse; MedianResponse estimates their
	// median gap, within ResponseTimeRelativeError for a median of a second
	// or more and less than a second off below that. It is zero when there
	// are no responses.
	Responses      int
	MedianResponse time.Duration

	// TopWords and TopEmoji are the author's most used words (folded, stop
	// words of Result.Languages left out) and emoji, most used first.
	TopWords []Count
	TopEmoji []Count
}

// Count is one entry of a top list. Count may exceed the true count by at
// most MaxOvercount, which is zero unless the word came after the chat's
// vocabulary was full (Options.ChatWords), the author used more such words
// (or emoji) than Options.WordSlots (EmojiSlots), and this one was counted
// in a slot another had held.
type Count struct {
	Text         string
	Count        int
	MaxOvercount int
}

// DayCount is the number of messages on one day.
type DayCount struct {
	// Date is the day at midnight UTC: read its year, month and day.
	Date     time.Time
	Messages int
	// ByAuthor splits Messages by author, in the order of Result.Authors,
	// leaving out authors who wrote nothing that day.
	ByAuthor []AuthorCount
}

// AuthorCount is one author's share of a count.
type AuthorCount struct {
	Author   int // index in Result.Authors
	Messages int
}

// MessageRef points at one message.
type MessageRef struct {
	Seq    int64
	Author string    // the author's name as Authors gives it
	Local  time.Time // core.Message.Local
	At     time.Time // core.Message.At; zero when unknown
}
