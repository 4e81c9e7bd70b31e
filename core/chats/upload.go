package chats

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

// Upload is an uploaded file spooled to disk, hashed and sized, ready to be
// imported (and re-read, should the import's unit be retried). Close
// removes the file; call it always.
type Upload struct {
	SHA256 string
	Bytes  int64

	mu       sync.Mutex
	file     *os.File // nil once closed
	unlinked bool     // the file has no name left on disk (see Spool)
}

// Close removes the spooled file. Closing twice is fine.
func (u *Upload) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.file == nil {
		return nil
	}
	f := u.file
	u.file = nil
	if u.unlinked {
		return f.Close()
	}
	return errors.Join(f.Close(), os.Remove(f.Name()))
}

// errClosedUpload is an Import of an upload that Spool did not make, or
// that was closed.
var errClosedUpload = errors.New("chats: the upload is not spooled (closed, or not made by Spool)")

// open returns the spooled file for reading at offsets; the caller must
// not close it.
func (u *Upload) open() (*os.File, error) {
	if u == nil {
		return nil, errClosedUpload
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.file == nil {
		return nil, errClosedUpload
	}
	return u.file, nil
}

// Spool copies r to a temporary file while hashing it. More than
// MaxUploadBytes is ErrTooLarge; an error reading r is returned as is
// (wrapped), and nothing is left on disk.
//
// Where the system allows it (not Windows), the file loses its name as soon
// as it is made: it lives on through the open descriptor alone, so even a
// process killed mid-upload (kill -9, a crash) leaves nothing in SpoolDir.
func (s *Service) Spool(ctx context.Context, r io.Reader) (up *Upload, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(s.cfg.SpoolDir, "chatlens-upload-*")
	if err != nil {
		return nil, fmt.Errorf("spooling the upload: %w", err)
	}
	unlinked := runtime.GOOS != "windows" && os.Remove(f.Name()) == nil
	defer func() {
		if err != nil {
			f.Close()
			if !unlinked {
				os.Remove(f.Name())
			}
		}
	}()
	h := sha256.New()
	src := &ctxReader{ctx: ctx, r: io.LimitReader(r, s.cfg.MaxUploadBytes+1)}
	n, err := io.Copy(io.MultiWriter(f, h), src)
	switch {
	case src.err != nil: // reading r failed, or ctx ended
		return nil, fmt.Errorf("reading the upload: %w", src.err)
	case err != nil: // writing the spool file failed
		return nil, fmt.Errorf("spooling the upload: %w", err)
	case n > s.cfg.MaxUploadBytes:
		return nil, ErrTooLarge
	}
	return &Upload{SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n, file: f, unlinked: unlinked}, nil
}

// ctxReader stops reading when its context ends, and remembers the first
// error its reader returned (io.EOF aside), so that a failed read (of the
// upload, of the spooled file) is told apart from what the reading was for
// failing (the spool's write, the parse).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.live(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.note(err)
	return n, err
}

// live fails, and remembers why, once the context has ended.
func (c *ctxReader) live() error {
	err := c.ctx.Err()
	c.note(err)
	return err
}

func (c *ctxReader) note(err error) {
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
}
