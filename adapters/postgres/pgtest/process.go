package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// start runs the postmaster as our child and waits until it accepts connections.
// Callers serialize start and stop (StartCluster owns c alone; the exported
// methods hold c.mu).
func (c *Cluster) start(ctx context.Context) error {
	logFile, err := os.OpenFile(filepath.Join(c.dir, logName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: open server log: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor
	// The log is kept across restarts: this start's lines begin here.
	logStart := fileSize(logFile)
	// Not CommandContext: the server must outlive the ctx of whoever started it.
	cmd := c.command(context.Background(), "postgres", c.serverArgs()...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// If this process dies without stopping the cluster, the kernel sends the
	// postmaster SIGQUIT (immediate shutdown), so no orphan server lingers.
	// Pdeathsig fires when the *thread* that forked dies, so fork from a
	// goroutine locked to its thread that lives as long as the server.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	started := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread must die with the goroutine, not before
		if err := cmd.Start(); err != nil {
			started <- err
			return // thread exits with the goroutine; nothing was forked
		}
		started <- nil
		_ = cmd.Wait()
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.exited, c.pid = exited, cmd.Process.Pid
	if err := c.waitReady(ctx, exited, logStart); err != nil {
		c.kill()
		return err
	}
	return nil
}

// errPortTaken reports that the server could not bind its TCP port.
var errPortTaken = errors.New("pgtest: the TCP port is taken")

// bindFailure is how the server's log says it could bind no TCP socket
// (lc_messages is C: initdb ran with a C locale).
const bindFailure = "could not create any TCP/IP sockets"

// waitReady polls until the server accepts a connection, gives up when it
// exits, and includes the server log in the error so failures are
// diagnosable. logStart is where this start's lines begin in the log: an
// exit for want of the TCP port wraps errPortTaken, and only a bind failure
// of this start may say so.
func (c *Cluster) waitReady(ctx context.Context, exited <-chan struct{}, logStart int64) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		err := ping(ctx, c.DSN(superuser))
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			if strings.Contains(c.logSince(logStart), bindFailure) {
				return fmt.Errorf("%w: port %d:\n%s", errPortTaken, c.port, c.logTail())
			}
			return fmt.Errorf("pgtest: postgres exited during startup:\n%s", c.logTail())
		case <-ctx.Done():
			return fmt.Errorf("pgtest: postgres not ready: %w (last error: %v)\n%s", ctx.Err(), err, c.logTail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// fileSize is f's size, 0 if unknown.
func fileSize(f *os.File) int64 {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logSince returns the server log from offset on.
func (c *Cluster) logSince(offset int64) string {
	b, _ := os.ReadFile(filepath.Join(c.dir, logName))
	if offset > int64(len(b)) {
		return ""
	}
	return string(b[offset:])
}

func (c *Cluster) logTail() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, logName))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// stop asks the postmaster for a fast shutdown (disconnect clients, checkpoint)
// and escalates to immediate and then SIGKILL if it does not exit.
func (c *Cluster) stop() error {
	if c.exited == nil {
		return nil
	}
	defer func() { c.exited = nil }()
	select {
	case <-c.exited: // died on its own; its pid may already be reused, so do not signal it
		return nil
	default:
	}
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, 60 * time.Second}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}} {
		if err := syscall.Kill(c.pid, step.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("pgtest: signal postgres: %w", err)
		}
		select {
		case <-c.exited:
			return nil
		case <-time.After(step.wait):
		}
	}
	return fmt.Errorf("pgtest: postgres (pid %d) did not exit", c.pid)
}

func (c *Cluster) kill() {
	_ = syscall.Kill(c.pid, syscall.SIGKILL)
	<-c.exited
	c.exited = nil
}
