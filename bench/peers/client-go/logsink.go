package main

import (
	"os"
	"sync"
	"sync/atomic"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"k8s.io/klog/v2"
)

// logVerbosity is what a production controller typically runs with (-v=2).
// It keeps client-go's per-request throttling notes (V(3)) out of the
// measurement while still showing its throttled "Waited before sending
// request" summary (V(2)).
const logVerbosity = 2

// stderrMu keeps whole lines whole: log lines come from many goroutines and
// must never split an @ marker the driver is reading.
var stderrMu sync.Mutex

func logLine(line string) {
	stderrMu.Lock()
	defer stderrMu.Unlock()
	_, _ = os.Stderr.WriteString(line + "\n")
}

// errorCountingSink renders through funcr and counts Error calls: that count
// is errorsSurfaced, the only way tools/events reports a failure to the
// program. Sinks derived with WithName/WithValues share the counter.
type errorCountingSink struct {
	logr.LogSink
	errors *atomic.Int64
}

func (s errorCountingSink) Error(err error, msg string, keysAndValues ...any) {
	s.errors.Add(1)
	s.LogSink.Error(err, msg, keysAndValues...)
}

func (s errorCountingSink) WithValues(keysAndValues ...any) logr.LogSink {
	return errorCountingSink{LogSink: s.LogSink.WithValues(keysAndValues...), errors: s.errors}
}

func (s errorCountingSink) WithName(name string) logr.LogSink {
	return errorCountingSink{LogSink: s.LogSink.WithName(name), errors: s.errors}
}

// installLogger routes all klog output, contextual or not, to one counting
// logger writing to stderr. ContextualLogger(true) makes klog.Background()
// (captured by NewRecorder) return this logger too, so one verbosity rule
// applies everywhere.
func installLogger() (logr.Logger, *atomic.Int64) {
	errorCount := new(atomic.Int64)
	render := funcr.New(func(prefix, args string) {
		if prefix != "" {
			args = prefix + ": " + args
		}
		logLine(args)
	}, funcr.Options{LogTimestamp: true, Verbosity: logVerbosity})
	logger := logr.New(errorCountingSink{LogSink: render.GetSink(), errors: errorCount})
	klog.SetLoggerWithOptions(logger, klog.ContextualLogger(true))
	return logger, errorCount
}
