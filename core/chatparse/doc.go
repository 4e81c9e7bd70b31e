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
// text. The only thing that grows with the input is the set of Discord message
// ids seen, which removing duplicates needs (one uint64 per message).
//
// Platform wording (media placeholders, system notices, deleted and edited
// markers) lives in data tables in wording.go, one row per phrase and language.
package chatparse
