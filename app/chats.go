package app

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	httpapi "github.com/chatlens/chatlens/adapters/http"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/ports"
)

// ChatsConfig bounds chat uploads and imports, and says how long deleted
// chats are kept.
type ChatsConfig struct {
	// UploadMaxBytes caps one uploaded file.
	UploadMaxBytes int64
	// UploadTimeout bounds the reading of one upload's body; it replaces
	// the server's read timeout for that request.
	UploadTimeout time.Duration
	// UploadsPerHour caps one account's uploads in any hour.
	UploadsPerHour int
	// MaxStoredBytes caps the total size of one account's live chats.
	MaxStoredBytes int64
	// ImportTimeout bounds one import's work once the body is read.
	ImportTimeout time.Duration
	// Retention is how long a deleted chat can be restored.
	Retention time.Duration
	// PurgeInterval is how often the job workers remove the chats deleted
	// longer ago than Retention (a periodic job, run by one process).
	PurgeInterval time.Duration
	// SpoolDir is where uploads are spooled while imported; empty is the
	// system's temporary directory.
	SpoolDir string
}

// bindChats registers the chat settings.
func bindChats(b *binder, c *ChatsConfig) {
	def := chats.DefaultConfig()
	b.Bytes(&c.UploadMaxBytes, "upload-max-bytes", "UPLOAD_MAX_BYTES", def.MaxUploadBytes, "largest chat file an upload may send (bytes, or with KiB, MiB or GiB)")
	b.Duration(&c.UploadTimeout, "upload-timeout", "UPLOAD_TIMEOUT", httpapi.DefaultUploadReadTimeout, "longest time to receive one upload's body (it replaces --http-read-timeout for uploads)")
	b.Int(&c.UploadsPerHour, "uploads-per-hour", "UPLOADS_PER_HOUR", def.UploadsPerHour, "uploads per account in any hour before 429")
	b.Bytes(&c.MaxStoredBytes, "max-stored-bytes", "MAX_STORED_BYTES", def.MaxStoredBytes, "total size of the files of one account's live chats (bytes, or with KiB, MiB or GiB)")
	b.Duration(&c.ImportTimeout, "import-timeout", "IMPORT_TIMEOUT", def.ImportTimeout, "longest import of one upload once received")
	b.Duration(&c.Retention, "chat-retention", "CHAT_RETENTION", def.Retention, "how long a deleted chat can be restored before it is removed for good")
	b.Duration(&c.PurgeInterval, "purge-interval", "PURGE_INTERVAL", time.Hour, "how often deleted chats past their retention are removed")
	b.String(&c.SpoolDir, "spool-dir", "SPOOL_DIR", "", "directory uploads are spooled to while imported; empty: the system's temporary directory")
}

// validate reports every wrong chat setting at once.
func (c ChatsConfig) validate() error {
	var errs []error
	if c.UploadMaxBytes < 1 {
		errs = append(errs, errors.New("upload-max-bytes must be at least 1"))
	}
	if c.MaxStoredBytes < c.UploadMaxBytes {
		errs = append(errs, errors.New("max-stored-bytes must be at least upload-max-bytes"))
	}
	if c.UploadsPerHour < 1 {
		errs = append(errs, errors.New("uploads-per-hour must be at least 1"))
	}
	if c.SpoolDir != "" {
		if fi, err := os.Stat(c.SpoolDir); err != nil || !fi.IsDir() {
			errs = append(errs, fmt.Errorf("spool-dir %q is not a directory", c.SpoolDir))
		}
	}
	errs = append(errs, positive(map[string]time.Duration{
		"upload-timeout": c.UploadTimeout, "import-timeout": c.ImportTimeout,
		"chat-retention": c.Retention, "purge-interval": c.PurgeInterval,
	}))
	return errors.Join(errs...)
}

// service is the chats service's configuration.
func (c ChatsConfig) service() chats.Config {
	return chats.Config{MaxUploadBytes: c.UploadMaxBytes, SpoolDir: c.SpoolDir, UploadsPerHour: c.UploadsPerHour,
		MaxStoredBytes: c.MaxStoredBytes, ImportTimeout: c.ImportTimeout, Retention: c.Retention}
}

// uploads are the API's bounds of an upload.
func (c ChatsConfig) uploads() httpapi.UploadLimits {
	return httpapi.UploadLimits{MaxBytes: c.UploadMaxBytes, ReadTimeout: c.UploadTimeout, ImportTimeout: c.ImportTimeout}
}

func newChats(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs, cfg Config) *chats.Service {
	return chats.NewService(uow, clock, ids, cfg.Chats.service())
}

// byteSize is a flag of a size in bytes: a number, or one with a unit
// (KiB, MiB, GiB; also KB, MB, GB as powers of 1000).
type byteSize struct{ p *int64 }

var byteUnits = []struct {
	suffix string
	factor int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

func (s byteSize) String() string {
	if s.p == nil {
		return "0"
	}
	for _, u := range byteUnits[:3] {
		if n := *s.p; n >= u.factor && n%u.factor == 0 && (u.suffix == "GiB" || n/u.factor < 1024) {
			return strconv.FormatInt(n/u.factor, 10) + u.suffix
		}
	}
	return strconv.FormatInt(*s.p, 10)
}

func (s byteSize) Set(v string) error {
	v = strings.TrimSpace(v)
	factor := int64(1)
	for _, u := range byteUnits {
		if rest, ok := strings.CutSuffix(v, u.suffix); ok {
			v, factor = strings.TrimSpace(rest), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/factor {
		return errors.New("not a size in bytes (e.g. 268435456 or 256MiB)")
	}
	*s.p = n * factor
	return nil
}

// Bytes registers a size flag with its variable.
func (b *binder) Bytes(p *int64, flagName, env string, def int64, usage string) {
	*p = def
	b.fs.Var(byteSize{p}, flagName, usage+b.bind(flagName, env))
}
