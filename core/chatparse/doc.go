// Package chatparse turns chat exports (WhatsApp .txt and .zip, Telegram
// Desktop JSON, DiscordChatExporter JSON) into core.Message values.
//
// Parsing streams: Parse returns a Stream whose Messages method yields one
// message at a time, and whose Report is complete once the messages have been
// read. Memory stays flat as the input grows, because every buffer has a
// limit (see Limits): a WhatsApp line longer than Limits.MaxLineBytes is
// truncated, a message longer than Limits.MaxMessageBytes too (both counted in
// the report), a JSON string or number longer than Limits.MaxJSONTokenBytes or
// nested deeper than Limits.MaxJSONDepth is an error, and a zip export may hold
// at most Limits.MaxZipEntries entries and Limits.MaxZipChatBytes of chat
// text. Names a report or error keeps (participants, chats, attachments) are
// cut at 256 bytes. The only thing that grows with the input is the set of
// Discord message ids seen, which removing duplicates needs: one uint64 per
// message (the snowflake, or a 64-bit hash of an id that is not a number).
//
// Every message is valid UTF-8 without U+0000 (core.Message.Validate):
// invalid bytes (a Latin-1 export) and NUL become U+FFFD, counted in
// Report.RepairedUTF8 and Report.RepairedNUL with a warning, because
// PostgreSQL's text type stores neither and one bad row would fail an import.
//
// Platform wording (media placeholders, system notices, deleted and edited
// markers) lives in data tables in wording.go, one row per phrase and language.
//
// Choices where the formats leave room:
//   - The WhatsApp date order is decided from the lines read before one order
//     alone fits every date, or from the first Limits.MaxDateOrderLookahead
//     bytes (which are held and replayed, never read twice from the source).
//     A later date the decided order cannot read is read with day and month
//     swapped, counted in Report.ClampedTimes.
//   - A WhatsApp header is an author's message only with "Name: " after it;
//     "Name:." and anything else without ": " is a notice, as real exports
//     write notices that way. The first header fixes the file's form (Android,
//     iOS, old iOS) and date separator; a line of another form is text.
//   - Years are kept within 1970–2999 (brought into range for WhatsApp, the
//     entry skipped for JSON), so that no message carries Go's zero time.
//   - A Telegram full-account export needs Options.Chat; without it, or when
//     no chat matches, the parse ends with a ChatNotFoundError listing the
//     names, found by reading the whole file without holding its messages.
//   - Telegram service messages are notices, except calls, which are
//     core.MessageCall by their actor; "from": null is "Deleted Account".
//   - Discord types other than Default, Reply, commands and thread starters
//     are notices, whose text names who acted ("Kai joined the server");
//     Call is a call; a repeated id is counted, not yielded.
//   - JSON is detected by structure: Telegram by a top-level "messages" array
//     of typed entries (or a chat "type"), or "chats": {"list": …}; Discord
//     by "guild" or "channel" beside "messages". A leading U+FEFF is skipped.
//   - Report.Participants tells authors apart by platform id where the
//     format has one, else by name.
//   - An export whose messages are all system notices is ErrNoMessages: no
//     participant wrote anything to import.
package chatparse
