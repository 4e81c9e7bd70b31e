package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// ClusterOptions configures StartCluster. The zero value is a cluster tuned
// for tests: durability off, 200 connections, everything else the server default.
type ClusterOptions struct {
	// Fsync keeps durability on (fsync, synchronous_commit and
	// full_page_writes). Tests leave it false: fsync dominates their run time
	// and a throwaway cluster needs no crash safety. Benchmarks set it so
	// their numbers resemble production.
	Fsync bool
	// MaxConnections is max_connections; 0 means 200, because parallel tests
	// each open their own pool and the server default of 100 runs out.
	MaxConnections int
	// SharedBuffers is shared_buffers, e.g. "512MB"; "" keeps the server default.
	SharedBuffers string
	// Settings are extra server settings (name → value) passed as -c name=value
	// after the ones above, so they win.
	Settings map[string]string
	// BinDir holds initdb and postgres; "" means FindBinDir.
	BinDir string
	// TCP makes the server listen on 127.0.0.1 too, on a free port, besides
	// its unix socket (see TCPDSN). A test needs it when the transport
	// matters: a dead unix socket fails on write, a dead TCP connection
	// often only on the read that follows. Several test processes start
	// clusters at once, so the port is asked of the kernel, not fixed.
	TCP bool
}

// Cluster is a throwaway PostgreSQL cluster listening on a unix socket (and,
// with ClusterOptions.TCP, on 127.0.0.1), owned by this process. Its
// superuser is "postgres" with trust authentication. Methods are safe for
// concurrent use.
type Cluster struct {
	opts    ClusterOptions
	binDir  string
	dir     string // socket directory, parent of the data directory
	dataDir string
	cred    *syscall.Credential
	// port is the TCP port, and it names the socket file (.s.PGSQL.<port>)
	// in dir. Without TCP it is defaultPort: the directory is private, so
	// the socket never clashes with another cluster's.
	port int

	mu      sync.Mutex
	exited  chan struct{} // closed when the running postmaster exits; nil when stopped
	pid     int
	stopped bool
}

const (
	clusterGlob = "/tmp/clpg*"
	defaultPort = 5432
	superuser   = "postgres"
	logName     = "postgres.log"
	tcpHost     = "127.0.0.1"
)

// StartCluster creates a cluster in a new directory under /tmp, starts it and
// waits until it accepts connections. The caller must Stop it. When running
// as root the server runs as the postgres system user.
func StartCluster(ctx context.Context, opts ClusterOptions) (*Cluster, error) {
	return startCluster(ctx, opts, freePort)
}

// startCluster is StartCluster with the TCP port chooser as a parameter, so
// a test can hand it a port that is taken.
func startCluster(ctx context.Context, opts ClusterOptions, pickPort func() (int, error)) (*Cluster, error) {
	binDir := opts.BinDir
	if binDir == "" {
		var err error
		if binDir, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	removeStale(clusterGlob)
	// /tmp, not os.TempDir: TMPDIR may be long, and the socket path must stay
	// under 107 bytes; it also must be reachable by the postgres user.
	dir, err := os.MkdirTemp("/tmp", "clpg")
	if err != nil {
		return nil, fmt.Errorf("pgtest: create cluster directory: %w", err)
	}
	c := &Cluster{opts: opts, binDir: binDir, dir: dir, dataDir: filepath.Join(dir, "data"), cred: cred, port: defaultPort}
	if err := c.create(ctx); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := c.firstStart(ctx, pickPort); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// portAttempts bounds how often firstStart draws a new port after the
// server found its port taken.
const portAttempts = 5

// firstStart starts the server. With TCP it draws a free port first; the
// port is free when the kernel hands it out but is released before the
// server binds it, so another process may take it in between: the server
// then refuses to start (errPortTaken) and a new port is drawn.
func (c *Cluster) firstStart(ctx context.Context, pickPort func() (int, error)) error {
	if !c.opts.TCP {
		return c.start(ctx)
	}
	var err error
	for range portAttempts {
		if c.port, err = pickPort(); err != nil {
			return err
		}
		if err = c.start(ctx); !errors.Is(err, errPortTaken) {
			return err
		}
	}
	return err
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free TCP port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// create writes the owner marker, hands the directory to the server user and runs initdb.
func (c *Cluster) create(ctx context.Context) error {
	if err := os.WriteFile(filepath.Join(c.dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("pgtest: write owner file: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(c.dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fmt.Errorf("pgtest: chown cluster directory to postgres: %w", err)
		}
	}
	// C.UTF-8 gives byte-order collation (fast, deterministic) while still
	// classifying non-ASCII letters; older systems lack it, so fall back to C.
	var first error
	for _, locale := range []string{"C.UTF-8", "C"} {
		out, err := c.command(ctx, "initdb", "-D", c.dataDir, "-E", "UTF8", "--locale="+locale,
			"-U", superuser, "--auth=trust", "--no-sync").CombinedOutput()
		if err == nil {
			return nil
		}
		err = fmt.Errorf("pgtest: initdb --locale=%s: %w\n%s", locale, err, out)
		if first == nil {
			first = err
		}
		if !strings.Contains(string(out), "locale") {
			break
		}
		_ = os.RemoveAll(c.dataDir)
	}
	return first
}

// command builds a server-side command (initdb, postgres) run as the server user.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = c.dir // the postgres user may not be allowed into our working directory
	cmd.Env = serverEnv()
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

// serverEnv is our environment minus PG* variables, which would otherwise
// redirect the server tools (PGDATA, PGPORT, …) away from this cluster.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// serverArgs are the postgres command-line arguments for the options.
func (c *Cluster) serverArgs() []string {
	maxConn := c.opts.MaxConnections
	if maxConn == 0 {
		maxConn = 200
	}
	durable := "off"
	if c.opts.Fsync {
		durable = "on"
	}
	// Without TCP, the unix socket only: no port clashes, nothing exposed.
	listen := ""
	if c.opts.TCP {
		listen = tcpHost // loopback only: nothing exposed beyond this host
	}
	args := []string{"-D", c.dataDir, "-k", c.dir, "-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=" + listen,
		"-c", "max_connections=" + strconv.Itoa(maxConn),
		"-c", "fsync=" + durable,
		"-c", "synchronous_commit=" + durable,
		"-c", "full_page_writes=" + durable,
	}
	if c.opts.SharedBuffers != "" {
		args = append(args, "-c", "shared_buffers="+c.opts.SharedBuffers)
	}
	names := make([]string, 0, len(c.opts.Settings))
	for name := range c.opts.Settings {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		args = append(args, "-c", name+"="+c.opts.Settings[name])
	}
	return args
}

// Stop shuts the server down and removes its directory. Calling it again is a no-op.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	err := c.stop()
	if rmErr := os.RemoveAll(c.dir); rmErr != nil && err == nil {
		err = fmt.Errorf("pgtest: remove cluster directory: %w", rmErr)
	}
	return err
}

// Restart stops the server (fast shutdown) and starts it again on the same
// data directory, socket and TCP port, so DSNs stay valid. (Should another
// process take the TCP port in the moment it is free, Restart fails.) Existing client connections
// are broken; pools have to discard them and reconnect.
func (c *Cluster) Restart(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("pgtest: restart of a stopped cluster")
	}
	if err := c.stop(); err != nil {
		return err
	}
	return c.start(ctx)
}
