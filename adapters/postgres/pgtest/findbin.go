package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// ErrNoServer reports that no PostgreSQL server binaries were found; test
// helpers turn it into a skip (or a failure when CI is true).
var ErrNoServer = errors.New("pgtest: no PostgreSQL server binaries (initdb, postgres) in PATH or /usr/lib/postgresql/*/bin")

// debianBinGlob is where Debian and Ubuntu install one directory per major
// version; only the client tools get wrappers in /usr/bin, so PATH alone
// usually misses initdb there.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// FindBinDir returns the directory holding initdb and postgres: the one of
// initdb found in PATH (symlinks resolved, so pgbench and friends sit next to
// it), else the highest-versioned /usr/lib/postgresql/*/bin. It wraps
// ErrNoServer when there is none.
func FindBinDir() (string, error) {
	return findBinDir(exec.LookPath, debianBinGlob)
}

func findBinDir(lookPath func(string) (string, error), glob string) (string, error) {
	if p, err := lookPath("initdb"); err == nil {
		// Resolve symlinks: /usr/local/bin/initdb may point into the real bin
		// directory, and the caller needs that one to find postgres/pgbench.
		if real, err := filepath.EvalSymlinks(p); err == nil && hasServerBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	dirs, err := filepath.Glob(glob)
	if err != nil {
		return "", fmt.Errorf("pgtest: bad glob %q: %w", glob, err)
	}
	// Highest major version first: "15" must beat "9.6", so compare numbers.
	sort.Slice(dirs, func(i, j int) bool {
		return versionLess(versionOf(dirs[j]), versionOf(dirs[i]))
	})
	for _, d := range dirs {
		if hasServerBinaries(d) {
			return d, nil
		}
	}
	return "", ErrNoServer
}

// versionOf extracts the numeric parts of the version directory in
// /usr/lib/postgresql/<version>/bin.
func versionOf(binDir string) []int {
	var v []int
	for _, part := range strings.Split(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// serverCredential returns the identity initdb and postgres must run under:
// nil (the current user) unless we are root, which both refuse, in which case
// the "postgres" system user that the distribution packages create.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, and initdb/postgres refuse root, but there is no postgres system user to run them as: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgtest: uid of user postgres: %w", err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgtest: gid of user postgres: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// ownerFile, in a cluster directory, holds the pid of the process that owns
// the cluster, so a later process can tell an abandoned directory from a live one.
const ownerFile = "owner.pid"

// removeStale deletes cluster directories whose owner process is gone (it was
// killed before it could stop the cluster). Their postmaster already exited on
// the parent-death signal; a directory whose postmaster still runs is left alone.
func removeStale(glob string) {
	dirs, _ := filepath.Glob(glob)
	for _, d := range dirs {
		if !pidFileDead(filepath.Join(d, ownerFile)) {
			continue
		}
		if pm := filepath.Join(d, "data", "postmaster.pid"); fileExists(pm) && !pidFileDead(pm) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// pidFileDead reports whether path starts with the pid of a process that no
// longer exists; a missing or unreadable file counts as alive, because the
// directory may be another process's cluster still being set up.
func pidFileDead(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return false
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
