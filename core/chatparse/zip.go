package chatparse

import (
	"archive/zip"
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
	// Count the entries from the end record before archive/zip reads the
	// central directory into memory.
	if n, ok := zipEntryCount(ra, size); ok && n > uint64(lim.MaxZipEntries) {
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

// zipEntryCount reads the entry count from the end-of-central-directory
// record (or its zip64 form); ok is false when there is none to read.
func zipEntryCount(ra io.ReaderAt, size int64) (uint64, bool) {
	const eocdLen, maxComment = 22, 65535
	n := min(size, eocdLen+maxComment)
	if n < eocdLen {
		return 0, false
	}
	buf := make([]byte, n)
	if _, err := ra.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return 0, false
	}
	i := strings.LastIndex(string(buf[:n-eocdLen+4]), "PK\x05\x06")
	if i < 0 {
		return 0, false
	}
	count := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if count != 0xFFFF {
		return count, true
	}
	// zip64: a locator 20 bytes before the record points to the zip64 record.
	loc := size - n + int64(i) - 20
	var l [20]byte
	if loc < 0 || readFull(ra, l[:], loc) != nil || string(l[:4]) != "PK\x06\x07" {
		return count, true
	}
	var rec [56]byte
	off := int64(binary.LittleEndian.Uint64(l[8:]))
	if readFull(ra, rec[:], off) != nil || string(rec[:4]) != "PK\x06\x06" {
		return count, true
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
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
