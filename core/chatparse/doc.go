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
// Platform wording lives in data tables, one row per phrase and language:
// notices and clocks in wording.go; placeholders (media, deleted messages,
// calls, edited marks, files, locations, polls) in wording_media.go, each
// row saying where it comes from (an export, another parser's table, or our
// best knowledge). All are compared ignoring case. Where the tables lack a
// language, structure decides (see below), and what structure cannot decide
// is a warning in the report rather than a silent guess.
//
// Report.ParserVersion is Version, which goes up whenever a change makes some
// export parse differently, so that a stored chat says which parser read it.
//
// Message parts beyond the text: Attachments lists every file and sticker
// (Discord sends several; a WhatsApp or Telegram media message lists its
// one named file), Reactions the emoji, counts and, where listed, who reacted
// (Telegram, Discord), Geo a location's point (WhatsApp map links, Telegram
// coordinates) while the text keeps its label, Event what a Telegram or
// Discord notice or call recorded (action, actor, members, title, length,
// outcome). Lists keep at most 32 items, names at most 256 bytes.
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
//     Dates may be written with unit words ("2024년 1월 15일", "2024年1月15日"),
//     read year first.
//   - A 12-hour time is read in its day period, on the 1–12 clock or the
//     0–11 one CLDR gives some languages (Japanese 午後0:10 is 12:10), with
//     CJK's finer periods (凌晨, 中午, 夜中, 밤, …) read by their CLDR hours;
//     only a marked hour above 12 counts in Report.ClampedTimes.
//   - An author's name loses the "~" and space iOS puts before a person not
//     in the phone's contacts, and the marks that wrap phone numbers.
//   - iOS signs system lines with a name: the chat's (group or contact) in
//     newer exports, the actor's in some older ones. U+200E starts a notice
//     or a placeholder; the first such line that is no placeholder, among
//     the first three, is signed by the chat's name in any language; a
//     notice starting with its signer's name is signed by its actor; a name
//     quoted in a notice is the group's subject; a third writer besides the
//     user and the signer makes the signer a group, whose one-line lines are
//     then notices; the encryption notice names the chat wherever it comes.
//     Where marks were stripped, whole notice templates decide what the
//     signer is, as before. The first 64 messages are parsed ahead (held and
//     replayed) so that this evidence decides the lines above it; a name
//     still doubtful at the end (signing notices, quoted as the subject, or
//     writing only marked lines the tables do not know, yet counted as a
//     participant) is named in a warning.
//   - A body the tables do not know is still a file when its name is one
//     WhatsApp gives its files, a location when a label precedes a map link,
//     a poll when options with vote counts end it.
//   - Years are kept within 1970–2999 (brought into range for WhatsApp, the
//     entry skipped for JSON), so that no message carries Go's zero time.
//   - A Telegram full-account export needs Options.Chat; without it, or when
//     no chat matches, the parse ends with a ChatNotFoundError listing the
//     names, found by reading the whole file without holding its messages.
//   - Telegram service messages are notices, except calls, which are
//     core.MessageCall by their actor; "from": null is "Deleted Account". A
//     notice's text is composed from its actor and action when the export
//     has none; its Event carries the details.
//   - Discord types other than Default, Reply, commands and thread starters
//     are notices, which keep the export's own text ("Joined the server.")
//     and name who acted in their Event; Call is a call, its length from
//     callEndedTimestamp; a repeated id is counted, not yielded. A message
//     with files and a sticker is media, listing both.
//   - JSON is detected by structure: Telegram by a top-level "messages" array
//     of typed entries (or a chat "type"), or "chats": {"list": …}; Discord
//     by "guild" or "channel" beside "messages". A leading U+FEFF is skipped.
//   - Report.Participants tells authors apart by platform id where the
//     format has one, else by name.
//   - An export whose messages are all system notices is ErrNoMessages: no
//     participant wrote anything to import.
package chatparse
