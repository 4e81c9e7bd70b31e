// Package chatstats computes the statistics of a chat in one pass over its
// messages, as core/chatparse yields them: the chats module feeds it message
// by message during an import and stores the Result; `chatlens parse --stats`
// prints it.
//
//	s := chatstats.New(chatstats.Options{Location: loc})
//	for msg, err := range stream.Messages() { …; s.Add(&msg) }
//	result := s.Result()
//
// Memory does not grow with the number of messages: it holds the chat's
// vocabulary (its first Options.ChatWords distinct words), one counter set
// per author (a count per vocabulary word it used, at most
// Options.WordSlots later words besides the stop words it used,
// Options.EmojiSlots emoji, and a response-time histogram of a few
// kilobytes) and one counter per day with messages; and the texts of the
// last few messages (at most 256, or 64 KiB and one more), whose words are
// counted together (stats.go, addText: in batches the word path and the
// parser stop evicting each other from the processor's caches).
//
// What counts:
//   - System messages belong to no participant: they are counted, and
//     nothing else. Every other message counts for its author (by platform
//     id where the export has one, else by name).
//   - Words and emoji are counted in texts, media captions and polls; never
//     in deleted-message markers, calls, locations or stickers, whose text
//     the author did not type. How text is cut into words is described in
//     words.go; words are folded with NFKC and lower case (fold.go) before
//     they are counted among the top words.
//   - Time: a message's instant is At, or its wall time Local read in
//     Options.Location (UTC without one). Activity by weekday, hour and day
//     is on the chat's clock: At in Options.Location, or without one the
//     message's own wall time. A conversation starts with the first message
//     and after every silence longer than Options.Silence. A response is a
//     participant's message that follows another participant's within
//     Options.MaxResponse; its time is the gap to the latest message before
//     it. Messages whose instant is earlier than one before them in the
//     file take no part in conversations and responses (Result.OutOfOrder).
//   - Median response times come from a log-bucket histogram, within 0.99%
//     (ResponseTimeRelativeError) of the true median when that is a second
//     or more, and less than a second off below (median.go).
//   - Top words leave out numbers and the stop words of the chat's
//     languages: those Options.Languages names, or else the lists
//     (stopwords.go) whose own words (in no other list) the chat uses at
//     least a quarter as often as those of its most used list.
//   - Top words are counted exactly for the chat's first Options.ChatWords
//     distinct words (vocab.go: the chat's common words come early), and for
//     stop words. Later words are counted exactly while an author uses at
//     most Options.WordSlots of them; past that, Filtered Space-Saving
//     (topk.go) keeps the most used ones: a listed count is never below the
//     true count and at most Count.MaxOvercount above it, and a later word
//     left out was used at most as often as the least counted word the
//     author's counter holds. Emoji likewise, with Options.EmojiSlots.
package chatstats
