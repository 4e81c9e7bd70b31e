package chatparse

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
)

// classifyBody decides the kind of a participant's message from its text,
// filling in m's kind, media fields, location, edited flag and text. The
// wording tables decide first; where they lack a language, the shape of
// what WhatsApp writes still does: a file name WhatsApp gives its files, a
// map link after a label, a poll's options with their vote counts.
func classifyBody(m *core.Message, text string) {
	m.Kind = core.MessageText
	text, m.Edited = cutEditedMarker(text)
	first, more, _ := strings.Cut(text, "\n")
	if p, ok := lookupPlaceholder(first); ok {
		m.Kind, m.MediaType = p.kind, p.media
		m.Text = strings.TrimSpace(more)
		if p.kind == core.MessageDeleted || p.kind == core.MessageCall {
			m.Text = ""
		}
		return
	}
	if name, ok := attachmentName(first); ok {
		m.Kind, m.Attachment = core.MessageMedia, name
		m.MediaType = mediaTypeOf(name)
		if m.MediaType == "sticker" {
			m.Kind = core.MessageSticker
		}
		m.Attachments = []core.Attachment{{Name: name, MediaType: m.MediaType}}
		m.Text = strings.TrimSpace(more)
		return
	}
	if name, ok := documentName(first); ok {
		m.Kind, m.MediaType, m.Attachment = core.MessageMedia, "document", name
		m.Attachments = []core.Attachment{{Name: name, MediaType: "document"}}
		m.Text = strings.TrimSpace(more)
		return
	}
	if kind, n := bodyPrefix(first); n > 0 {
		m.Kind, m.Text = kind, strings.TrimSpace(text[n:])
		if kind == core.MessageLocation {
			m.Geo = geoPoint(m.Text)
		}
		return
	}
	if more == "" && len(first) > 20 {
		if g := mapLink(first); g != nil {
			m.Kind, m.Text, m.Geo = core.MessageLocation, text, g
			return
		}
	}
	if more != "" {
		if n := pollShape(text); n > 0 {
			m.Kind, m.Text = core.MessagePoll, strings.TrimSpace(text[n:])
			return
		}
	}
	m.Text = text
}

// looksLikePlaceholder reports whether a body's first line stands for
// something (media, a deleted message, a call, a file, a location, a poll)
// rather than being a notice: iOS starts both with U+200E.
func looksLikePlaceholder(text string) bool {
	first, more, _ := strings.Cut(text, "\n")
	if _, ok := lookupPlaceholder(first); ok {
		return true
	}
	if _, ok := attachmentName(first); ok {
		return true
	}
	if _, ok := documentName(first); ok {
		return true
	}
	if _, n := bodyPrefix(first); n > 0 {
		return true
	}
	return mapLink(first) != nil || (more != "" && pollShape(text) > 0)
}

// maxPlaceholderBytes bounds the placeholders' lengths, for the quick test.
const maxPlaceholderBytes = 128

// foldIndex finds a row of a wording table by its text, ignoring case.
// Most lines are ruled out by their length, first and last bytes before
// any is lowered, as this runs once per message: sig holds a bit for each
// (length, first byte, last byte) a row's text can have in any case.
type foldIndex[T any] struct {
	rows map[string]T
	sig  [1 << 16 / 64]uint64
}

func (ix *foldIndex[T]) add(text string, row T) {
	if ix.rows == nil {
		ix.rows = make(map[string]T)
	}
	lower := string(appendLower(nil, text))
	ix.rows[lower] = row
	// Turkish upper case dots its capital i ("BU MESAJ SİLİNDİ"), which
	// appendLower takes back to "i".
	forms := [...]string{text, lower, strings.ToLower(text), strings.ToUpper(text),
		strings.ToUpperSpecial(unicode.TurkishCase, text)}
	for _, a := range forms {
		for _, b := range forms {
			if len(a) == len(b) {
				h := foldSig(len(a), a[0], b[len(b)-1])
				ix.sig[h/64] |= 1 << (h % 64)
			}
		}
	}
}

func foldSig(n int, first, last byte) uint32 {
	return (uint32(n)*0x9E3779B1 ^ uint32(first)<<8 ^ uint32(last)) & (1<<16 - 1)
}

func (ix *foldIndex[T]) find(s string) (T, bool) {
	var zero T
	if s == "" || len(s) > maxPlaceholderBytes {
		return zero, false
	}
	if h := foldSig(len(s), s[0], s[len(s)-1]); ix.sig[h/64]&(1<<(h%64)) == 0 {
		return zero, false
	}
	var buf [maxPlaceholderBytes * 2]byte
	row, ok := ix.rows[string(appendLower(buf[:0], s))]
	return row, ok
}

// appendLower appends s lower-cased to dst, without allocating within
// dst's capacity. Turkish dotless and dotted I both become "i", so that
// "BU MESAJI SILDINIZ" (upper-cased without a Turkish locale) and "bu
// mesajı sildiniz" are one key.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == 'ı' || r == 'İ' {
			r = 'i'
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}

var (
	placeholders foldIndex[*waPlaceholder]
	// callLens holds the lengths a call placeholder can have, where a
	// tail may follow it.
	callLens [maxPlaceholderBytes + 1]bool
	// callStarts rules out most bodies before a call placeholder is looked
	// for in front of a tail.
	callStarts foldStarts
	// bodyPrefixStarts rules out most bodies before the prefix table is read.
	bodyPrefixStarts foldStarts
	// docSuffixes end an iOS document placeholder that names the file
	// ("Report.pdf • 3 pages document omitted"): " " and each iOS document
	// placeholder, by their last byte lower-cased (in either case).
	docSuffixes [256][]string
)

func init() {
	for i := range waPlaceholders {
		p := &waPlaceholders[i]
		placeholders.add(p.text, p)
		if p.kind == core.MessageCall {
			for _, form := range [...]string{p.text, strings.ToLower(p.text), strings.ToUpper(p.text)} {
				callLens[min(len(form), maxPlaceholderBytes)] = true
			}
			callStarts.add(p.text)
		}
		if p.media == "document" && p.text[0] != '<' {
			suffix := " " + p.text
			for _, form := range [...]string{suffix, strings.ToLower(suffix), strings.ToUpper(suffix)} {
				last := form[len(form)-1]
				if !slices.Contains(docSuffixes[last], suffix) {
					docSuffixes[last] = append(docSuffixes[last], suffix)
				}
			}
		}
	}
	for _, p := range waBodyPrefixes {
		bodyPrefixStarts.add(p.prefix)
	}
}

// lookupPlaceholder finds the placeholder that the first line of a body is,
// ignoring case and a trailing "." or "。"; calls also with a tail after a
// comma or a period ("Missed voice call, Tap to call back").
func lookupPlaceholder(first string) (*waPlaceholder, bool) {
	if len(first) < 4 {
		return nil, false
	}
	whole := first
	for len(whole) > 0 && (whole[len(whole)-1] == '.' || whole[len(whole)-1] == ' ') {
		whole = whole[:len(whole)-1] // strings.TrimRight(first, ". "), which builds its set per call
	}
	whole = strings.TrimSuffix(whole, "。")
	if p, ok := placeholders.find(whole); ok {
		return p, true
	}
	if !callStarts.at(first, 0) {
		return nil, false
	}
	head := first[:min(len(first), maxPlaceholderBytes+1)]
	if p, ok := callBefore(first, strings.IndexAny(head, ",.")); ok {
		return p, true
	}
	if first[0] >= utf8.RuneSelf { // a CJK call placeholder and its tail
		for _, sep := range [...]string{"，", "、", "。"} {
			if p, ok := callBefore(first, strings.Index(head, sep)); ok {
				return p, true
			}
		}
	}
	return nil, false
}

// callBefore finds the call placeholder first holds before offset i.
func callBefore(first string, i int) (*waPlaceholder, bool) {
	if i < 4 || i > maxPlaceholderBytes || !callLens[i] {
		return nil, false
	}
	if p, ok := placeholders.find(first[:i]); ok && p.kind == core.MessageCall {
		return p, true
	}
	return nil, false
}

// attachmentName reads the file name of an attachment line: a form of the
// table, or, in a language the table lacks, "<LABEL: NAME>" or "NAME
// (WORDS)" whose name is one WhatsApp gives its files.
func attachmentName(first string) (string, bool) {
	if len(first) < 3 {
		return "", false
	}
	ios := first[0] == '<' && first[len(first)-1] == '>'
	android := first[len(first)-1] == ')'
	if !ios && !android {
		return "", false
	}
	for _, f := range waAttachmentForms {
		if len(first) > len(f.prefix)+len(f.suffix) && hasPrefixFold(first, f.prefix) && hasSuffixFold(first, f.suffix) &&
			(f.prefix != "" || !ios) {
			return strings.TrimSpace(first[len(f.prefix) : len(first)-len(f.suffix)]), true
		}
	}
	if ios {
		label, name, ok := strings.Cut(first[1:len(first)-1], ":")
		if name = strings.TrimSpace(name); ok && len(label) <= 40 && whatsAppFileName(name) {
			return name, true
		}
		return "", false
	}
	open := strings.LastIndex(first, " (")
	if open > 0 && len(first)-open <= 48 && whatsAppFileName(first[:open]) {
		return first[:open], true
	}
	return "", false
}

// whatsAppFileName reports whether name is one WhatsApp gives the files of
// an export: "00000012-PHOTO-2024-01-15-09-05-00.jpg" or "00000004-Ann.vcf"
// (iOS: a sequence number and the original name), "IMG-20240115-WA0001.jpg"
// (Android).
func whatsAppFileName(name string) bool {
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 || len(name)-dot > 6 || len(name) > 255 {
		return false
	}
	if dot > 9 && allDigits(name[:8]) && name[8] == '-' {
		return true
	}
	return dot >= 18 && allUpper(name[:3]) && name[3] == '-' && allDigits(name[4:12]) &&
		name[12:15] == "-WA" && allDigits(name[15:dot])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func allUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// documentName reads the file name of an iOS document placeholder
// ("Report.pdf • 3 pages document omitted").
func documentName(first string) (string, bool) {
	if first == "" {
		return "", false
	}
	for _, suffix := range docSuffixes[first[len(first)-1]] {
		if len(first) > len(suffix) && hasSuffixFold(first, suffix) {
			name, _, _ := strings.Cut(first[:len(first)-len(suffix)], " • ")
			if name = strings.TrimSpace(name); name != "" {
				return name, true
			}
		}
	}
	return "", false
}

// bodyPrefix returns the kind a location or poll prefix of the table marks,
// and its length.
func bodyPrefix(first string) (core.MessageKind, int) {
	if !bodyPrefixStarts.at(first, 0) {
		return 0, 0
	}
	for _, p := range waBodyPrefixes {
		if hasPrefixFold(first, p.prefix) {
			return p.kind, len(p.prefix)
		}
	}
	return 0, 0
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// cutEditedMarker removes the marker of an edited message from the end of
// its text.
func cutEditedMarker(text string) (string, bool) {
	if !strings.HasSuffix(text, ">") {
		return text, false
	}
	for _, mk := range waEditedMarkers {
		if hasSuffixFold(text, mk.text) {
			return strings.TrimRight(text[:len(text)-len(mk.text)], " \n"), true
		}
	}
	return text, false
}

func mediaTypeOf(name string) string {
	lower := strings.ToLower(name)
	for _, t := range waMediaByFileName {
		if strings.Contains(name, t.part) || strings.Contains(lower, t.part) {
			return t.media
		}
	}
	return "document"
}
