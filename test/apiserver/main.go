// Command kube-events-apiserver runs a real kube-apiserver (with an embedded
// etcd) on 127.0.0.1 for the kube-events integration tests.
//
// The parent process owns etcd, the PKI, the identities, the ready file and a
// control endpoint; kube-apiserver runs in a child process (this binary
// re-executed with the hidden subcommand serve-apiserver) because only one
// apiserver can live in a process (its flag and feature-gate registries are
// global), and because a child can be stopped and started again on the same
// port against the same etcd data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

const programName = "kube-events-apiserver"

type options struct {
	port         int
	eventTTL     time.Duration
	stateDir     string
	keepState    bool
	readyFile    string
	readyTimeout time.Duration
	// apiserverArgs are extra kube-apiserver flags (repeatable --apiserver-arg).
	apiserverArgs stringList
	// exitOnStdinEOF: shut down when stdin closes, so that a parent that dies
	// (even with SIGKILL) never leaves this process behind.
	exitOnStdinEOF bool
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint([]string(*l)) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if len(os.Args) > 1 && os.Args[1] == serveSubcommand {
		os.Exit(serveAPIServer(os.Args[2:]))
	}
	os.Exit(run(os.Args[1:], time.Now()))
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet(programName, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.port, "port", 0, "kube-apiserver secure port on 127.0.0.1 (0 = pick a free one, retried if the bind fails)")
	fs.DurationVar(&o.eventTTL, "event-ttl", time.Hour, "kube-apiserver --event-ttl: how long events are kept in etcd")
	fs.StringVar(&o.stateDir, "state-dir", "", "folder for etcd data, certificates, kubeconfigs and logs (default: a new temporary folder)")
	fs.BoolVar(&o.keepState, "keep-state", false, "do not remove the state folder on exit")
	fs.StringVar(&o.readyFile, "ready-file", "", "where to write the ready JSON (default <state-dir>/ready.json)")
	fs.DurationVar(&o.readyTimeout, "ready-timeout", 120*time.Second, "give up (exit 1, printing the apiserver log tail) if not ready within this time")
	fs.Var(&o.apiserverArgs, "apiserver-arg", "an extra kube-apiserver flag, e.g. --apiserver-arg=--etcd-compaction-interval=10s (repeatable; overrides the defaults)")
	fs.BoolVar(&o.exitOnStdinEOF, "exit-on-stdin-eof", false, "shut down when stdin is closed (for a parent process that may die without cleaning up)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s [flags]\n\nStarts etcd + kube-apiserver on 127.0.0.1, prints 'READY <ready.json>' on stdout when usable.\n\n", programName)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.port < 0 || o.port > 65535 {
		return o, fmt.Errorf("--port must be 0..65535, got %d", o.port)
	}
	if o.eventTTL <= 0 {
		return o, fmt.Errorf("--event-ttl must be positive, got %s", o.eventTTL)
	}
	if o.readyTimeout <= 0 {
		return o, fmt.Errorf("--ready-timeout must be positive, got %s", o.readyTimeout)
	}
	if o.readyFile != "" {
		abs, err := filepath.Abs(o.readyFile)
		if err != nil {
			return o, err
		}
		o.readyFile = abs
	}
	return o, nil
}

// run is the parent: start everything, announce readiness, wait for a signal
// or POST /shutdown, tear everything down. Returns the exit code.
func run(args []string, startedAt time.Time) int {
	logger := log.New(os.Stderr, programName+": ", log.LstdFlags|log.Lmicroseconds)
	opts, err := parseFlags(args, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		logger.Print(err)
		return 2
	}

	ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stopSignals()

	h := newHarness(opts, logger, startedAt)
	defer h.cleanup()

	readyPath, err := h.start(ctx)
	if err != nil {
		if ctx.Err() != nil {
			logger.Print("interrupted during start-up")
			return 0
		}
		logger.Printf("start-up failed: %v", err)
		h.printLogTail(os.Stderr, 80) // nothing if the apiserver was never started
		return 1
	}
	// The one line on stdout; everything else goes to stderr or log files.
	fmt.Printf("READY %s\n", readyPath)

	stdinClosed := make(chan struct{})
	if opts.exitOnStdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			close(stdinClosed)
		}()
	}

	select {
	case <-ctx.Done():
		logger.Print("signal received, shutting down")
	case <-h.shutdownRequested:
		logger.Print("shutdown requested on the control endpoint")
	case <-stdinClosed:
		logger.Print("stdin closed (the parent is gone), shutting down")
	}
	return 0
}
