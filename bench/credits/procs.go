package main

// Contenders across processes. The row gate (adapters/postgres/gate.go)
// queues the units that want a row only within one process; two API
// processes each send one waiter per row to PostgreSQL, which arbitrates
// between them. To measure that, a contender with procs > 1 splits its
// workers across child processes, each the benchmark binary re-executed
// with childFlag, each with its own store (pool and gates).
//
// The protocol, over each child's stdin and stdout:
//  1. the child opens its store, warms its pool and prints "ready";
//  2. once every child is ready, the parent writes one start instant (Unix
//     nanoseconds) to all of them, a little in the future, so that all
//     spend in the same wall-clock window [start, start+d) whatever their
//     start-up cost;
//  3. the child spends, prints its sample as JSON and exits.
// The parent merges the samples: counts add (the invariant check counts
// every child's spends) and percentiles are over every spend.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// childFlag, first on the command line, makes the binary a child. It is
// not a flag of the benchmark's own set, so -h does not show it.
const childFlag = "-child"

// startMargin is how far ahead the parent sets the start: enough for every
// child to read it, on a busy 2-core machine, before it passes.
const startMargin = 200 * time.Millisecond

// runProcs runs c with workers split across c.procs child processes over
// accounts accounts and merges what they measured.
func runProcs(ctx context.Context, dsn string, c contender, workers int, d time.Duration, accounts int, lockTimeout time.Duration, attempts int) (result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // on an early return, kills the children still running
	exe, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	kids := make([]*child, c.procs)
	for i := range kids {
		share := workers / c.procs
		if i < workers%c.procs {
			share++
		}
		kids[i], err = startChild(ctx, exe, childFlag,
			"-dsn", dsn, "-contender", c.name, "-workers", strconv.Itoa(share),
			"-duration", d.String(), "-accounts", strconv.Itoa(accounts),
			"-lock-timeout", lockTimeout.String(), "-attempts", strconv.Itoa(attempts))
		if err != nil {
			return result{}, err
		}
	}
	for _, k := range kids {
		if err := k.ready(); err != nil {
			return result{}, err
		}
	}
	start := time.Now().Add(startMargin)
	for _, k := range kids {
		if err := k.release(start); err != nil {
			return result{}, err
		}
	}
	var total sample
	for _, k := range kids {
		s, err := k.result()
		if err != nil {
			return result{}, err
		}
		total = total.merge(s)
	}
	return total.result(), nil
}

// child is the parent's handle on one child process.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr bytes.Buffer // shown if the child fails
}

func startChild(ctx context.Context, exe string, args ...string) (*child, error) {
	k := &child{cmd: exec.CommandContext(ctx, exe, args...)}
	k.cmd.Stderr = &k.stderr
	var err error
	if k.stdin, err = k.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := k.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	k.stdout = bufio.NewReader(out)
	if err := k.cmd.Start(); err != nil {
		return nil, err
	}
	return k, nil
}

// ready waits for the child's "ready" line.
func (k *child) ready() error {
	line, err := k.stdout.ReadString('\n')
	if line != "ready\n" {
		return k.failed(fmt.Errorf("not ready (%q): %v", line, err))
	}
	return nil
}

// release sends the start instant.
func (k *child) release(start time.Time) error {
	if _, err := fmt.Fprintln(k.stdin, start.UnixNano()); err != nil {
		return k.failed(err)
	}
	return k.stdin.Close()
}

// result reads the child's sample and waits for it to exit.
func (k *child) result() (sample, error) {
	var s sample
	if err := json.NewDecoder(k.stdout).Decode(&s); err != nil {
		return sample{}, k.failed(fmt.Errorf("reading its result: %w", err))
	}
	if err := k.cmd.Wait(); err != nil {
		return sample{}, k.failed(err)
	}
	return s, nil
}

// failed reaps the child and wraps err with what it wrote on stderr.
func (k *child) failed(err error) error {
	_ = k.cmd.Process.Kill()
	_ = k.cmd.Wait()
	return fmt.Errorf("child %d: %w\n%s", k.cmd.Process.Pid, err, bytes.TrimSpace(k.stderr.Bytes()))
}

// childMain is the child's side of the protocol above; args are what
// follows childFlag.
func childMain(args []string) error {
	fs := flag.NewFlagSet("credits "+childFlag, flag.ContinueOnError)
	var (
		dsn         = fs.String("dsn", "", "database to spend on")
		name        = fs.String("contender", "", "contender to run")
		workers     = fs.Int("workers", 0, "this process's share of the workers")
		d           = fs.Duration("duration", 0, "length of the run")
		accounts    = fs.Int("accounts", 0, "accounts to pick from")
		lockTimeout = fs.Duration("lock-timeout", 0, "bound of a waiting lock")
		attempts    = fs.Int("attempts", 0, "unit-of-work attempts")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := contenderNamed(*name)
	if err != nil {
		return err
	}
	ctx := context.Background()
	sp, err := openSpender(ctx, *dsn, c, *workers, *lockTimeout, *attempts)
	if err != nil {
		return err
	}
	defer sp.close()
	fmt.Println("ready")
	var ns int64
	if _, err := fmt.Fscanln(os.Stdin, &ns); err != nil {
		return fmt.Errorf("reading the start instant: %w", err)
	}
	s, err := sp.spend(ctx, *workers, time.Unix(0, ns), *d, picker(*accounts))
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(s)
}

func contenderNamed(name string) (contender, error) {
	for _, c := range contenders {
		if c.name == name {
			return c, nil
		}
	}
	return contender{}, errors.New("no contender " + strconv.Quote(name))
}
