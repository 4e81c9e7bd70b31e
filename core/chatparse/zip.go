package chatparse

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/chatlens/chatlens/core"
)

// maxZipSniffs caps how many .txt entries are opened to look for a chat when
// none is named like one.
const maxZipSniffs = 20

func parseZip(ra io.ReaderAt, size int64, opts Options, rep *Report, emit func(*core.Message) bool) error {
	rep.Format = FormatWhatsAppZip
	lim := opts.Limits
	// Count the entries before archive/zip reads the central directory into
	// memory (a million tiny entries take hundreds of MiB there).
	if n, ok := zipEntryCount(ra, size, uint64(lim.MaxZipEntries)); ok && n > uint64(lim.MaxZipEntries) {
		return fmt.Errorf("%w: %d entries, at most %d", ErrZipTooManyEntries, n, lim.MaxZipEntries)
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return fmt.Errorf("zip export: %w", err)
	}
	if len(zr.File) > lim.MaxZipEntries {
		return fmt.Errorf("%w: %d entries, at most %d", ErrZipTooManyEntries, len(zr.File), lim.MaxZipEntries)
	}
	chat := findZipChat(zr.File)
	if chat == nil {
		return ErrZipNoChat
	}
	for _, f := range zr.File {
		if f != chat && !f.FileInfo().IsDir() {
			rep.AttachmentCount++
			if len(rep.Attachments) < maxAttachmentListed {
				rep.Attachments = append(rep.Attachments, cleanName(f.Name))
			}
		}
	}
	if chat.UncompressedSize64 > uint64(lim.MaxZipChatBytes) {
		return fmt.Errorf("%w: %s declares %d bytes, at most %d", ErrZipTooLarge, chat.Name, chat.UncompressedSize64, lim.MaxZipChatBytes)
	}
	rc, err := chat.Open()
	if err != nil {
		return fmt.Errorf("zip export: %s: %w", chat.Name, err)
	}
	defer rc.Close()
	// The declared size can lie (a zip bomb): count what really comes out.
	err = parseWhatsApp(&sizeGuard{r: rc, left: lim.MaxZipChatBytes}, opts, rep, emit)
	rep.Format = FormatWhatsAppZip
	return err
}

// findZipChat picks the chat text: "_chat.txt" (iOS), else a .txt named like
// an export ("WhatsApp Chat with …"), else the first .txt whose start reads as
// a WhatsApp chat.
func findZipChat(files []*zip.File) *zip.File {
	var named, sniffed *zip.File
	sniffs := 0
	for _, f := range files {
		base := path.Base(strings.ReplaceAll(f.Name, "\\", "/"))
		if f.FileInfo().IsDir() || !strings.EqualFold(path.Ext(base), ".txt") {
			continue
		}
		lower := strings.ToLower(base)
		switch {
		case lower == "_chat.txt":
			return f
		case named == nil && strings.Contains(lower, "whatsapp"):
			named = f
		case sniffed == nil && sniffs < maxZipSniffs:
			sniffs++
			if zipEntryLooksLikeChat(f) {
				sniffed = f
			}
		}
	}
	if named != nil {
		return named
	}
	return sniffed
}

func zipEntryLooksLikeChat(f *zip.File) bool {
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	buf := make([]byte, detectBytes)
	n, _ := io.ReadFull(rc, buf)
	return looksLikeWhatsApp(buf[:n])
}

// sizeGuard fails once more than left bytes have come out of r; the error
// sticks, as the date-order lookahead reads the same stream again.
type sizeGuard struct {
	r    io.Reader
	left int64
	err  error
}

func (g *sizeGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if int64(len(p)) > g.left+1 {
		p = p[:g.left+1]
	}
	n, err := g.r.Read(p)
	if g.left -= int64(n); g.left < 0 {
		g.err = ErrZipTooLarge
		return 0, g.err
	}
	return n, err
}

// zipEntryCount counts the entries of the central directory the way
// archive/zip will find it, without holding them: the count in the end
// record (or its zip64 form) when it is already too high, else the headers
// themselves, walked from each place archive/zip may start reading. The end
// record's count cannot be trusted: archive/zip reads headers until a bad
// one and checks the count only modulo 65,536, and the directory's declared
// size can lie too. The walk stops past limit. ok is false when there is no
// end record to read (zip.NewReader then fails on its own).
func zipEntryCount(ra io.ReaderAt, size int64, limit uint64) (n uint64, ok bool) {
	end, ok := readZipEnd(ra, size)
	if !ok {
		return 0, false
	}
	if end.records > limit {
		return end.records, true
	}
	if end.size > uint64(end.at) || end.offset > uint64(size) {
		return 0, false
	}
	// As archive/zip: the directory starts at base+offset, base being where
	// the end record says it should start; when base is not zero and a
	// header sits at offset itself, it reads from offset.
	starts := []int64{end.at - int64(end.size)}
	if base := starts[0] - int64(end.offset); base > 0 {
		starts = append(starts, int64(end.offset))
	}
	for _, start := range starts {
		n = max(n, countZipHeaders(ra, size, start, limit))
	}
	return n, true
}

// zipEnd is what the end-of-central-directory record says.
type zipEnd struct {
	at                    int64 // where the record (or the zip64 one) starts
	records, size, offset uint64
}

// readZipEnd finds the end record as archive/zip does: the last signature
// in the final 65 KiB whose comment fits in the file, then the zip64 record
// its locator points to when a field is at its maximum.
func readZipEnd(ra io.ReaderAt, size int64) (zipEnd, bool) {
	const eocdLen = 22
	buf := make([]byte, min(size, 65*1024))
	if len(buf) < eocdLen || readFull(ra, buf, size-int64(len(buf))) != nil {
		return zipEnd{}, false
	}
	i := bytes.LastIndex(buf[:len(buf)-eocdLen+4], []byte("PK\x05\x06"))
	if i < 0 || int(binary.LittleEndian.Uint16(buf[i+20:]))+eocdLen+i > len(buf) {
		return zipEnd{}, false
	}
	le := binary.LittleEndian
	end := zipEnd{at: size - int64(len(buf)) + int64(i), records: uint64(le.Uint16(buf[i+10:])),
		size: uint64(le.Uint32(buf[i+12:])), offset: uint64(le.Uint32(buf[i+16:]))}
	if end.records != 0xFFFF && end.size != 0xFFFF && end.offset != 0xFFFFFFFF {
		return end, true
	}
	var l [20]byte
	if readFull(ra, l[:], end.at-20) != nil || string(l[:4]) != "PK\x06\x07" ||
		le.Uint32(l[4:]) != 0 || le.Uint32(l[16:]) != 1 {
		return end, true
	}
	var rec [56]byte
	p := int64(le.Uint64(l[8:]))
	if readFull(ra, rec[:], p) != nil || string(rec[:4]) != "PK\x06\x06" {
		return end, true
	}
	return zipEnd{at: p, records: le.Uint64(rec[32:]), size: le.Uint64(rec[40:]), offset: le.Uint64(rec[48:])}, true
}

// countZipHeaders counts the central-directory headers that follow one
// another from start, stopping past limit.
func countZipHeaders(ra io.ReaderAt, size, start int64, limit uint64) uint64 {
	if start < 0 || start >= size {
		return 0
	}
	br := bufio.NewReaderSize(io.NewSectionReader(ra, start, size-start), 64<<10)
	var h [46]byte
	var n uint64
	for n <= limit {
		if _, err := io.ReadFull(br, h[:]); err != nil || string(h[:4]) != "PK\x01\x02" {
			break
		}
		skip := int(binary.LittleEndian.Uint16(h[28:])) + int(binary.LittleEndian.Uint16(h[30:])) +
			int(binary.LittleEndian.Uint16(h[32:]))
		if _, err := br.Discard(skip); err != nil {
			break
		}
		n++
	}
	return n
}

func readFull(ra io.ReaderAt, b []byte, off int64) error {
	if off < 0 {
		return io.ErrUnexpectedEOF
	}
	_, err := ra.ReadAt(b, off)
	if err == io.EOF {
		err = nil // a read that fills b may report EOF too
	}
	return err
}
